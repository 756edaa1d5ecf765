// Package interop holds tests that run Microsoft's own clients (the Graph
// SDK for Go, azidentity and MSAL), unmodified but for base URLs and the
// trusted CA, against graphsec's emulator over https. It is a module of its
// own so that graphsec does not depend on those SDKs; see README.md.
package interop
