package idp

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// signer holds the token-signing key and what the JWKS publishes about it.
// Entra publishes each key with a certificate and uses the certificate's
// SHA-1 thumbprint as both kid and x5t; validators (go-jose among them)
// check that thumbprint against x5c, so the emulator does the same.
type signer struct {
	key     *rsa.PrivateKey
	kid     string // base64url SHA-1 of the certificate = x5t
	certDER []byte
	header  string // base64url of the JOSE header, the same for every token
}

const minKeyBits = 2048

func newSigner(key *rsa.PrivateKey, now time.Time) (*signer, error) {
	if key == nil {
		k, err := rsa.GenerateKey(rand.Reader, minKeyBits)
		if err != nil {
			return nil, fmt.Errorf("idp: generate signing key: %w", err)
		}
		key = k
	}
	if key.N == nil || key.N.BitLen() < minKeyBits {
		return nil, fmt.Errorf("idp: signing key must be RSA with at least %d bits", minKeyBits)
	}
	if err := key.Validate(); err != nil {
		return nil, fmt.Errorf("idp: invalid signing key: %w", err)
	}
	key.Precompute()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("idp: certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "graphsec emulator token signing"},
		NotBefore:             now.Add(-24 * time.Hour).UTC(),
		NotAfter:              now.Add(5 * 365 * 24 * time.Hour).UTC(),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("idp: self-signed certificate: %w", err)
	}
	thumb := sha1.Sum(der)
	kid := base64.RawURLEncoding.EncodeToString(thumb[:])
	hdr, err := json.Marshal(struct {
		Typ string `json:"typ"`
		Alg string `json:"alg"`
		X5t string `json:"x5t"`
		Kid string `json:"kid"`
	}{"JWT", "RS256", kid, kid})
	if err != nil {
		return nil, err
	}
	return &signer{key: key, kid: kid, certDER: der, header: base64.RawURLEncoding.EncodeToString(hdr)}, nil
}

// sign returns a compact RS256 JWS over the JSON encoding of claims.
func (s *signer) sign(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("idp: encode claims: %w", err)
	}
	var b strings.Builder
	b.Grow(len(s.header) + 1 + base64.RawURLEncoding.EncodedLen(len(payload)) + 1 + 342)
	b.WriteString(s.header)
	b.WriteByte('.')
	b.WriteString(base64.RawURLEncoding.EncodeToString(payload))
	digest := sha256.Sum256([]byte(b.String()))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("idp: sign: %w", err)
	}
	b.WriteByte('.')
	b.WriteString(base64.RawURLEncoding.EncodeToString(sig))
	return b.String(), nil
}

// Errors of jwt parsing, mapped by VerifyAccessToken to Graph's messages.
var (
	errJWTMalformed = errors.New("idp: not a compact JWT")
	errJWTSignature = errors.New("idp: JWT signature not valid for the emulator's key")
)

// jwtHeader is the part of a JOSE header the emulator looks at.
type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	X5t string `json:"x5t"`
}

// verify checks raw's structure and signature and returns its decoded
// payload (still JSON). Structure comes first so that a string that is not
// a JWT at all gets Graph's "CompactToken parsing failed" message, and the
// payload is parsed only once the signature proves it is the emulator's.
func (s *signer) verify(raw string) ([]byte, error) {
	h64, rest, ok := strings.Cut(raw, ".")
	if !ok {
		return nil, errJWTMalformed
	}
	p64, sig64, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig64, ".") || h64 == "" || p64 == "" || sig64 == "" {
		return nil, errJWTMalformed
	}
	hb, err := base64.RawURLEncoding.DecodeString(h64)
	if err != nil {
		return nil, errJWTMalformed
	}
	payload, err := base64.RawURLEncoding.DecodeString(p64)
	if err != nil || !json.Valid(payload) {
		return nil, errJWTMalformed
	}
	sig, err := base64.RawURLEncoding.DecodeString(sig64)
	if err != nil {
		return nil, errJWTMalformed
	}
	var h jwtHeader
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, errJWTMalformed
	}
	kid := h.Kid
	if kid == "" {
		kid = h.X5t
	}
	if h.Alg != "RS256" || kid != s.kid {
		return nil, errJWTSignature
	}
	digest := sha256.Sum256([]byte(raw[:len(h64)+1+len(p64)]))
	if err := rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		return nil, errJWTSignature
	}
	return payload, nil
}

// jwk is one entry of the JWKS, with Entra's field names.
type jwk struct {
	Kty    string   `json:"kty"`
	Use    string   `json:"use"`
	Kid    string   `json:"kid"`
	X5t    string   `json:"x5t"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X5c    []string `json:"x5c"`
	Issuer string   `json:"issuer,omitempty"`
}

func (s *signer) jwk(issuer string) jwk {
	return jwk{
		Kty:    "RSA",
		Use:    "sig",
		Kid:    s.kid,
		X5t:    s.kid,
		N:      base64.RawURLEncoding.EncodeToString(s.key.N.Bytes()),
		E:      base64.RawURLEncoding.EncodeToString(big.NewInt(int64(s.key.E)).Bytes()),
		X5c:    []string{base64.StdEncoding.EncodeToString(s.certDER)},
		Issuer: issuer,
	}
}
