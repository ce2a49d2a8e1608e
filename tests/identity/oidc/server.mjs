// Test-only: a real OpenID provider (panva/oidc-provider) on 127.0.0.1, configured by the tests.
// argv[2]: a JSON file {port, ttl, resources: {indicator: audience}, echo: [prefix], clients: [...]}
// (an indicator starting with an echo prefix is its own audience); the provider's
// signing key is made here at start, so no key material is ever committed.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import Provider, { errors } from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: "jwk" }), kid: "test-signing", use: "sig", alg: "RS256" };

const issuer = `http://127.0.0.1:${config.port}`;
const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [signing] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // every client-credentials request must name its resource (audience)
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: async () => false,
      getResourceServerInfo: async (_ctx, indicator) => {
        const echoed = (config.echo || []).some((prefix) => indicator.startsWith(prefix));
        const audience = echoed ? indicator : config.resources[indicator];
        if (audience === undefined) throw new errors.InvalidTarget();
        return { scope: "read write", audience, accessTokenFormat: "jwt", accessTokenTTL: config.ttl,
          jwt: { sign: { alg: "RS256" } } };
      },
    },
  },
});
provider.listen(config.port, "127.0.0.1", () => {
  process.stdout.write(`ready ${issuer}\n`);
});
