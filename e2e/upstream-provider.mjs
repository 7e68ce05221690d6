// A real OpenID Connect provider upstream of Latchkey, for the federation tests: panva's
// oidc-provider (OpenID-certified) on a loopback port, with one client (Latchkey) and one
// user with e-mail claims. Its interaction signs that user in and consents at once (or, with
// UPSTREAM_DENY=1, declines as a user pressing "Cancel" would), so tests drive it with plain
// HTTP redirects. Prints {"issuer": "..."} once listening; stops on stdin EOF.
//
// Environment: UPSTREAM_CLIENT_ID, UPSTREAM_CLIENT_SECRET, UPSTREAM_REDIRECT_URI (Latchkey's
// callback), UPSTREAM_SUB, UPSTREAM_EMAIL, UPSTREAM_EMAIL_VERIFIED (true|false), UPSTREAM_DENY,
// UPSTREAM_ACCESS_TOKEN_TTL (seconds; refresh tokens are always issued), UPSTREAM_NATIVE_CLIENT_ID
// (a second, native client redirecting to com.example.bank:/oauth/callback).
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const env = process.env;
const account = {
  sub: env.UPSTREAM_SUB ?? 'upstream-user-1',
  email: env.UPSTREAM_EMAIL ?? 'alice@example.com',
  email_verified: (env.UPSTREAM_EMAIL_VERIFIED ?? 'true') === 'true',
  name: 'Alice Upstream',
  given_name: 'Alice',
  family_name: 'Upstream',
};

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: env.UPSTREAM_CLIENT_ID,
    client_secret: env.UPSTREAM_CLIENT_SECRET,
    redirect_uris: [env.UPSTREAM_REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  }, ...(env.UPSTREAM_NATIVE_CLIENT_ID ? [{
    // A native app (token exchange tests): public, PKCE, a private-use scheme redirect.
    client_id: env.UPSTREAM_NATIVE_CLIENT_ID,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['com.example.bank:/oauth/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  }] : [])],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name'] },
  conformIdTokenClaims: false,
  issueRefreshToken: async () => true,
  ttl: {
    AccessToken: Number(env.UPSTREAM_ACCESS_TOKEN_TTL ?? 3600),
    AuthorizationCode: 60, IdToken: 3600, RefreshToken: 86400, Interaction: 3600, Session: 86400, Grant: 86400,
  },
  async findAccount(ctx, sub) {
    if (sub !== account.sub) return undefined;
    return { accountId: sub, async claims() { return account; } };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: { devInteractions: { enabled: false } },
});
provider.proxy = false;

// The interaction: no page, the decision at once.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (env.UPSTREAM_DENY === '1') {
    return provider.interactionFinished(ctx.req, ctx.res,
      { error: 'access_denied', error_description: 'the user declined' }, { mergeWithLastSubmission: false });
  }
  if (details.prompt.name === 'login') {
    return provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: account.sub } },
      { mergeWithLastSubmission: false });
  }
  const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
  return provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId: await grant.save() } },
    { mergeWithLastSubmission: true });
});

server.on('request', provider.callback());
process.stdout.on('error', () => {});
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.stdin.resume();
process.stdin.on('end', () => { server.close(); process.exit(0); });
