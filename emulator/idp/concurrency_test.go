package idp

import (
	"net/url"
	"sync"
	"testing"
)

// TestConcurrentUse runs sign-ins, token requests and verifications at
// once; with -race it checks the provider's locking.
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	e.dir.GrantAdminConsent(testClientID, []string{"openid", "offline_access", "User.Read"}, []string{"SecurityAlert.Read.All"})
	tok, err := e.p.IssueAppToken(testClientID)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 6 {
		wg.Go(func() {
			users := []string{adminID, secopID, readerID, plainID}
			for j := range 3 {
				code := e.codeFor(e.newBrowser(), baseQuery("openid offline_access User.Read"), users[(i+j)%len(users)])
				if st, m := e.redeem(code, nil); st != 200 {
					t.Errorf("redeem: %d %v", st, m)
				} else if _, err := e.p.VerifyAccessToken(m["access_token"].(string)); err != nil {
					errs <- err
				}
				if st, m, _ := e.postToken(url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}, testClientID, testSecret); st != 200 {
					t.Errorf("client credentials: %d %v", st, m)
				}
				for range 20 {
					if _, err := e.p.VerifyAccessToken(tok); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
