package interop

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
)

const graphDefaultScope = "https://graph.microsoft.com/.default"

// credential is azidentity's client secret credential pointed at the
// emulator: its authority host is configuration, and instance discovery
// (a call to login.microsoftonline.com asking whether the authority is
// known) is turned off, as for any private authority.
func credential(t *testing.T, emu *emulator.Emulator) *azidentity.ClientSecretCredential {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(emu.TenantID(), emu.ClientID(), emu.ClientSecret(), &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: emu.URL() + "/"}},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// claimsOf decodes a JWT's payload without verifying it (the emulator did).
func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %.40s", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// azidentity's ClientSecretCredential gets an app-only Graph token from
// the emulator, with and without continuous access evaluation (the Graph
// SDK asks for CAE, which adds a claims request), and serves the second
// request from its cache.
func TestAzidentityClientSecret(t *testing.T) {
	emu := startEmulator(t)
	cred := credential(t, emu)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, cae := range []bool{false, true} {
		tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{graphDefaultScope}, EnableCAE: cae})
		if err != nil {
			t.Fatalf("CAE %v: %v", cae, err)
		}
		c := claimsOf(t, tok.Token)
		roles, _ := c["roles"].([]any)
		if c["appid"] != emu.ClientID() || c["tid"] != emu.TenantID() || len(roles) == 0 {
			t.Errorf("CAE %v: claims %v", cae, c)
		}
		if until := time.Until(tok.ExpiresOn); until < 50*time.Minute || until > 2*time.Hour {
			t.Errorf("CAE %v: expires in %v", cae, until)
		}
		again, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{graphDefaultScope}, EnableCAE: cae})
		if err != nil || again.Token != tok.Token {
			t.Errorf("CAE %v: the second token did not come from the cache: %v", cae, err)
		}
	}
	// A wrong secret is refused the way Entra refuses it; azidentity
	// reports Entra's error code.
	bad, err := azidentity.NewClientSecretCredential(emu.TenantID(), emu.ClientID(), "wrong", &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: emu.URL() + "/"}},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{graphDefaultScope}})
	var af *azidentity.AuthenticationFailedError
	if err == nil || !errorsAs(err, &af) || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("wrong secret: %v", err)
	}
}

// MSAL's confidential client (what azidentity is built on) gets the same
// token directly, with the emulator's tenant as its authority.
func TestMSALConfidentialClient(t *testing.T) {
	emu := startEmulator(t)
	secret, err := confidential.NewCredFromSecret(emu.ClientSecret())
	if err != nil {
		t.Fatal(err)
	}
	app, err := confidential.New(emu.AuthorityURL(), emu.ClientID(), secret, confidential.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := app.AcquireTokenByCredential(ctx, []string{graphDefaultScope})
	if err != nil {
		t.Fatal(err)
	}
	if c := claimsOf(t, res.AccessToken); c["appid"] != emu.ClientID() {
		t.Errorf("claims %v", c)
	}
	// App tokens come from MSAL's cache while they are valid.
	cached, err := app.AcquireTokenByCredential(ctx, []string{graphDefaultScope})
	if err != nil || cached.AccessToken != res.AccessToken || cached.Metadata.TokenSource != confidential.TokenSourceCache {
		t.Errorf("second request: %v, source %v", err, cached.Metadata.TokenSource)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// userWithRole is the id of a demo user holding role.
func userWithRole(t *testing.T, emu *emulator.Emulator, role string) tenantUser {
	t.Helper()
	for _, u := range emu.Users() {
		if slices.Contains(u.Roles, role) {
			return tenantUser{id: u.ID, upn: u.UserPrincipalName}
		}
	}
	t.Fatalf("no %s", role)
	return tenantUser{}
}

type tenantUser struct{ id, upn string }

// MSAL's authorization code flow, as a web app like graphsec's console
// runs it: MSAL builds the authorize URL, a browser signs in on the
// emulator's page, MSAL redeems the code (with client_info, for its
// account cache) and later redeems the refresh token silently. Access
// tokens live two minutes here, inside MSAL's five-minute renewal window,
// so that its silent call goes to the emulator instead of its cache.
func TestMSALAuthorizationCode(t *testing.T) {
	emu := startEmulator(t, func(o *emulator.Options) { o.AccessTokenLifetime = 2 * time.Minute })
	secret, err := confidential.NewCredFromSecret(emu.ClientSecret())
	if err != nil {
		t.Fatal(err)
	}
	app, err := confidential.New(emu.AuthorityURL(), emu.ClientID(), secret, confidential.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	scopes := []string{"User.Read", "SecurityAlert.ReadWrite.All"}
	redirect := emulator.DefaultRedirectURI
	authURL, err := app.AuthCodeURL(ctx, emu.ClientID(), redirect, scopes)
	if err != nil {
		t.Fatal(err)
	}
	analyst := userWithRole(t, emu, "Security Operator")
	p, err := emutest.NewBrowser().SignIn(authURL, analyst.id, emutest.SignInOptions{StopAt: redirect})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := url.Parse(p.Location)
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("sign-in ended at %d %s", p.Status, p.Location)
	}
	res, err := app.AcquireTokenByAuthCode(ctx, loc.Query().Get("code"), redirect, scopes)
	if err != nil {
		t.Fatal(err)
	}
	if res.Account.HomeAccountID == "" || !strings.EqualFold(res.Account.PreferredUsername, analyst.upn) || res.IDToken.Oid != analyst.id {
		t.Fatalf("account %+v, id token oid %s", res.Account, res.IDToken.Oid)
	}
	if c := claimsOf(t, res.AccessToken); !strings.Contains(fmt.Sprint(c["scp"]), "SecurityAlert.ReadWrite.All") {
		t.Errorf("scp %v", c["scp"])
	}
	fresh, err := app.AcquireTokenSilent(ctx, scopes, confidential.WithSilentAccount(res.Account))
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.AccessToken == res.AccessToken || fresh.Metadata.TokenSource != confidential.TokenSourceIdentityProvider ||
		!strings.Contains(fmt.Sprint(claimsOf(t, fresh.AccessToken)["scp"]), "SecurityAlert.ReadWrite.All") {
		t.Fatalf("refreshed token: source %v scp %v", fresh.Metadata.TokenSource, claimsOf(t, fresh.AccessToken)["scp"])
	}
	acct, err := app.Account(ctx, res.Account.HomeAccountID)
	if err != nil || acct.HomeAccountID != res.Account.HomeAccountID {
		t.Fatalf("account from the cache: %v %v", acct, err)
	}

	// The signed-in analyst's tokens drive the Graph SDK: /me, then the
	// security API with a delegated token.
	client, _ := sdkClientWith(t, emu, msalUser{app: app, account: acct}, scopes)
	me, err := client.Me().Get(ctx, nil)
	if err != nil || deref(me.GetId()) != analyst.id || !strings.EqualFold(deref(me.GetUserPrincipalName()), analyst.upn) {
		t.Fatalf("/me: %s", odataError(err))
	}
	alerts, err := client.Security().Alerts_v2().Get(ctx, nil)
	if err != nil || len(alerts.GetValue()) == 0 {
		t.Fatalf("alerts as the analyst: %s", odataError(err))
	}
}

// msalUser is a signed-in user's MSAL account as an azcore credential, the
// interface Kiota's authentication provider takes.
type msalUser struct {
	app     confidential.Client
	account confidential.Account
}

func (m msalUser) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	r, err := m.app.AcquireTokenSilent(ctx, o.Scopes, confidential.WithSilentAccount(m.account))
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: r.AccessToken, ExpiresOn: r.ExpiresOn}, nil
}
