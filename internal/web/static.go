package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// staticFiles serves the embedded static files under fingerprinted names:
// app.css is /static/app.<hash>.css, where hash is the start of the
// file's SHA-256. A name changes whenever its content does, so browsers
// may keep a file for a year without asking again (immutable), and a new
// release is never served an old stylesheet. The plain name is served too,
// revalidated on every use, for links from outside graphsec.
type staticFiles struct {
	byURL map[string]*staticFile // "/static/app.3f2a9c1b0d.css" and "/static/app.css"
	urls  map[string]string      // "app.css" → its fingerprinted URL
}

type staticFile struct {
	name  string
	body  []byte
	etag  string
	ctype string
	// immutable is set on the fingerprinted name.
	immutable bool
}

// fingerprintLen is how many hex digits of the hash a name carries.
const fingerprintLen = 10

func newStaticFiles() (*staticFiles, error) {
	s := &staticFiles{byURL: map[string]*staticFile{}, urls: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:fingerprintLen]
		ext := path.Ext(name)
		fp := strings.TrimSuffix(name, ext) + "." + hash + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		f := staticFile{name: name, body: body, etag: `"` + hash + `"`, ctype: ctype}
		plain, fixed := f, f
		fixed.immutable = true
		s.byURL["/static/"+name] = &plain
		s.byURL["/static/"+fp] = &fixed
		s.urls[name] = "/static/" + fp
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	return s, nil
}

// url is the template function "static": the fingerprinted URL of a file.
// An unknown name is an error, which fails the page rather than linking
// nothing.
func (s *staticFiles) url(name string) (string, error) {
	u, ok := s.urls[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return u, nil
}

func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := s.byURL[r.URL.Path]
	if f == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", f.etag)
	if f.immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.body))
}
