package graphapi

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
)

// maxBody bounds request bodies. Graph rejects requests over 4 MB; the
// limit applies to the body the handler reads, so a compressed body is
// measured after decompression.
const maxBody = 4 << 20

// maxWireBody bounds a body as it arrives, before any decompression. JSON
// always compresses, so a compressed body near this size would decompress
// far beyond maxBody anyway; the bound only stops a client from streaming
// an endless body at the emulator.
const maxWireBody = maxBody

// maxCodings bounds the content codings one request may stack
// ("gzip, gzip" is legal HTTP). Microsoft's SDKs apply gzip once; three
// layers leave room for a proxy that adds one without inviting a client to
// make the emulator peel layer after layer.
const maxCodings = 3

// acceptedEncodings is sent back with a 415 for an unknown coding, as RFC
// 9110 §12.5.3 asks, so that a client can retry with one of them.
const acceptedEncodings = "gzip, identity"

// readBody reads the request body, bounded, and undoes its content coding.
//
// Microsoft's Kiota-based SDKs (Go, Java, .NET, TypeScript, Python)
// compress every request body with gzip by default and say so with
// Content-Encoding; Graph accepts that, so every write an SDK makes
// depends on it. identity means no coding. Anything else is refused with
// 415 naming the coding, rather than read as JSON and reported as a
// syntax error the client cannot act on.
//
// The 4 MB limit is applied to the decompressed bytes (a gzip bomb is a
// 413, not an allocation), and the compressed bytes are bounded too.
// Damaged gzip data is a 400 that says so.
func (c *call) readBody() ([]byte, error) {
	return readBody(c.w, c.r)
}

// readBody is call.readBody without the call, so that it can be fuzzed on
// its own.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	codings, err := contentCodings(r.Header.Values("Content-Encoding"))
	if err != nil {
		return nil, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxWireBody)
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body exceeds the maximum of %d bytes.", maxBody)
		}
		return nil, badRequest("The request body could not be read.")
	}
	body := buf.Bytes()
	if len(body) == 0 {
		// Nothing was compressed: the caller reports the empty payload.
		return body, nil
	}
	// Codings are listed in the order they were applied; undo the last
	// one first.
	for i := len(codings) - 1; i >= 0; i-- {
		if body, err = gunzip(body); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// contentCodings parses the Content-Encoding header(s) into the list of
// gzip codings to undo, in the order they were applied. identity and empty
// list elements mean nothing; x-gzip is gzip's old name (RFC 9110 §8.4.1.3).
func contentCodings(values []string) ([]string, error) {
	var out []string
	n := 0
	for _, v := range values {
		for tok := range strings.SplitSeq(v, ",") {
			tok = strings.ToLower(strings.TrimSpace(tok))
			if tok == "" {
				continue
			}
			n++
			if n > maxCodings {
				return nil, badRequest("The request lists more than %d content encodings.", maxCodings)
			}
			switch tok {
			case "identity":
			case "gzip", "x-gzip":
				out = append(out, "gzip")
			default:
				e := errorf(http.StatusUnsupportedMediaType, "UnsupportedMediaType",
					"The content encoding '%s' is not supported. Send the body uncompressed or with Content-Encoding: gzip.", echoHeader(tok))
				e.header = http.Header{"Accept-Encoding": {acceptedEncodings}}
				return nil, e
			}
		}
	}
	return out, nil
}

// gunzip decompresses one gzip layer, stopping as soon as the output
// passes maxBody.
func gunzip(b []byte) ([]byte, error) {
	corrupt := badRequest("The request body is not valid gzip data, but its Content-Encoding says gzip.")
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, corrupt
	}
	var out bytes.Buffer
	// Below the limit, ReadFrom reads to EOF, which is where gzip.Reader
	// checks the trailer (CRC and length): a truncated or altered body
	// fails here.
	if _, err := out.ReadFrom(io.LimitReader(zr, maxBody+1)); err != nil {
		return nil, corrupt
	}
	if out.Len() > maxBody {
		return nil, errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			"The request body exceeds the maximum of %d bytes once decompressed.", maxBody)
	}
	return out.Bytes(), nil
}

// echoHeader shortens a header value for an error message.
func echoHeader(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
