// Package i18n is the console's internationalisation: message catalogs,
// language negotiation, and every language-dependent format.
package i18n
