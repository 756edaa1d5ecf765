package odata

import "fmt"

// Error is a client error found while parsing, binding or decoding
// untrusted input. Code is "BadRequest"; the API layer answers it with
// HTTP 400 and the usual Graph error body. Messages follow the wording of
// Microsoft's OData stack, so that a client which logs them (or a person
// reading them) sees what Graph would have said.
type Error struct {
	Code    string
	Message string
	cause   error // what errors.Is sees through Unwrap (ErrWorkLimit), or nil
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the sentinel the error stands for, if any (ErrWorkLimit).
func (e *Error) Unwrap() error { return e.cause }

// CodeBadRequest is the error code of every Error this package returns.
const CodeBadRequest = "BadRequest"

func badRequest(format string, args ...any) *Error {
	return &Error{Code: CodeBadRequest, Message: fmt.Sprintf(format, args...)}
}

// maxEcho bounds how much client text an error message repeats, so that a
// hostile query cannot make error bodies (and logs) arbitrarily large.
const maxEcho = 256

// echo shortens client-supplied text for inclusion in a message.
func echo(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	// Cut on a rune boundary so that the message stays valid UTF-8.
	cut := maxEcho
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}
