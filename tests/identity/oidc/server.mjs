// Test-only: a real OpenID provider (panva/oidc-provider) on 127.0.0.1, configured by the tests.
// argv[2]: a JSON file {port, ttl, resources: {indicator: audience}, echo: [prefix], clients: [...],
// exchange?, skew?} (an indicator starting with an echo prefix is its own audience); the provider's
// signing key is made here at start, so no key material is ever committed.
// `exchange` {jwks, issuer, audience, clients?}: the RFC 8693 token-exchange grant is registered,
// trusting subject tokens signed by `jwks` for `issuer` and `audience` (a workload identity issuer
// the tests play); every client may use it, and `clients` are added (e.g. a public one).
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createLocalJWKSet, jwtVerify } from "jose";
import Provider, { errors } from "oidc-provider";

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
if (config.skew) { // a provider whose clock is `skew` seconds off (the clock-skew tests)
  const now = Date.now;
  Date.now = () => now() + config.skew * 1000;
}
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: "jwk" }), kid: "test-signing", use: "sig", alg: "RS256" };

// The audience and token settings of a resource indicator: unknown ones are invalid_target.
const resourceInfo = async (_ctx, indicator) => {
  const echoed = (config.echo || []).some((prefix) => indicator.startsWith(prefix));
  const audience = echoed ? indicator : config.resources[indicator];
  if (audience === undefined) throw new errors.InvalidTarget();
  return { scope: "read write", audience, accessTokenFormat: "jwt", accessTokenTTL: config.ttl,
    jwt: { sign: { alg: "RS256" } } };
};

const exchange = config.exchange;
const clients = exchange
  ? [...config.clients, ...(exchange.clients || [])].map((c) => ({
    ...c, grant_types: [...new Set([...(c.grant_types || []), TOKEN_EXCHANGE])],
  }))
  : config.clients;

const issuer = `http://127.0.0.1:${config.port}`;
const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [signing] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // every client-credentials request must name its resource (audience)
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: async () => false,
      getResourceServerInfo: resourceInfo,
    },
  },
});

if (exchange) {
  const subjectKeys = createLocalJWKSet(exchange.jwks);
  // RFC 8693: a subject token this provider trusts for an access token of the provider's own, for
  // the audience asked for (`audience`, or `resource`), issued through its AccessToken model.
  provider.registerGrantType(TOKEN_EXCHANGE, async (ctx) => {
    const { params, client } = ctx.oidc;
    if (!params.subject_token) throw new errors.InvalidRequest("missing required parameter 'subject_token'");
    if (params.subject_token_type !== JWT_TYPE) {
      throw new errors.InvalidRequest("unsupported subject_token_type");
    }
    let subject;
    try {
      ({ payload: subject } = await jwtVerify(params.subject_token, subjectKeys, {
        issuer: exchange.issuer, audience: exchange.audience, algorithms: ["RS256"],
      }));
    } catch (err) {
      throw new errors.InvalidGrant(`subject token rejected (${err.code || "invalid"})`);
    }
    const indicator = params.audience || params.resource;
    if (!indicator) throw new errors.InvalidTarget("name the audience");
    const info = await resourceInfo(ctx, indicator);
    const allowed = new Set(info.scope.split(" "));
    const scope = (params.scope || "").split(" ").filter((s) => allowed.has(s)).join(" ") || undefined;
    const grant = new provider.Grant({ accountId: subject.sub, clientId: client.clientId });
    if (scope) grant.addResourceScope(indicator, scope);
    const grantId = await grant.save();
    const token = new provider.AccessToken({
      accountId: subject.sub, client, grantId, gty: "token_exchange", scope,
    });
    token.resourceServer = new provider.ResourceServer(indicator, info);
    const value = await token.save();
    ctx.body = {
      access_token: value, issued_token_type: ACCESS_TOKEN_TYPE, token_type: "Bearer",
      expires_in: token.expiration, ...(scope ? { scope } : {}),
    };
  }, ["subject_token", "subject_token_type", "audience", "resource", "scope", "requested_token_type"]);
}

provider.listen(config.port, "127.0.0.1", () => {
  process.stdout.write(`ready ${issuer}\n`);
});
