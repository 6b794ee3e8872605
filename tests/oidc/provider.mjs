// A real OpenID Connect provider (panva/oidc-provider, certified) for tests/web/test_oidc.py, on loopback.
// Usage: node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI ACCOUNTS_JSON [HOST]
// ACCOUNTS_JSON maps a login name to the claims the provider asserts for it; HOST (default 127.0.0.1) names
// the issuer, so a browser test can put the provider on another site (localhost) than Palermo (127.0.0.1). The provider's own
// development login form (any password) stands in for the identity provider's login page.
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri, accountsJson, host = '127.0.0.1'] = process.argv.slice(2);
const accounts = JSON.parse(accountsJson);

const provider = new Provider(`http://${host}:${port}`, {
  clients: [{
    client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri],
    grant_types: ['authorization_code'], response_types: ['code'],
  }],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'organisation', 'groups'], email: ['email'] },
  findAccount: async (ctx, id) => (accounts[id] ? { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) } : undefined),
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['palermo-test-provider-cookie-key'] },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => { console.log('ready'); });
