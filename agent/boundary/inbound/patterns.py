"""Secret detection rules: a cheap prefilter (for the matching engine) and an exact pattern each.

Token formats follow the gitleaks rule set (github.com/gitleaks/gitleaks, MIT) where one
exists. Every pattern names the secret part ``s``; only that part is replaced, so the key
name, header or URL around it stays readable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from agent.boundary.inbound.entropy import allowlisted, plausible

PEM_WINDOW = 32_768  # how far past a BEGIN line a private key may run


@dataclass(frozen=True)
class Rule:
    """One detector: ``prefilter`` finds candidate lines fast, ``pattern`` finds the secret."""

    id: str
    pattern: re.Pattern[str]
    prefilter: str
    caseless: bool = False
    min_len: int = 8
    min_entropy: float = 0.0
    priority: int = 10
    multiline: bool = False  # the secret may run PEM_WINDOW characters past its line
    anchored: bool = False  # the pattern starts where the prefilter hit starts: match there only
    # Where the pattern may start, found in the lower-cased candidate window (ASCII only) when
    # the prefilter cannot say: the pattern is then tried there only, not at every offset.
    starts: re.Pattern[str] | None = None
    next_line: bool = False  # the value may sit on the next line (<apiToken>\n  value)
    kind_of: Callable[[re.Match[str]], str] | None = None
    check: Callable[[re.Match[str], str], bool] | None = None  # extra veto on (match, value)

    def accepts(self, value: str, kind: str) -> bool:
        """Whether a matched value is plausible enough to redact."""
        min_len, min_entropy = self.min_len, self.min_entropy
        if kind == "password":  # people pick weak passwords; a weak one is still a leak
            min_len, min_entropy = min(min_len, 6), min(min_entropy, 2.2)
        return plausible(value, min_len=min_len, min_entropy=min_entropy)


def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


_I = re.IGNORECASE
_B = r"(?<![A-Za-z0-9])"  # left boundary; a "_" may glue a token on: run_id=manual__<token>
_E = r"(?![A-Za-z0-9_])"


def _token(
    rule_id: str,
    body: str,
    prefilter: str,
    *,
    entropy: float = 0.0,
    min_len: int = 8,
    check: Callable[[re.Match[str], str], bool] | None = None,
    left: str = _B,
    right: str = _E,
    anchored: bool = True,
) -> Rule:
    """A self-identifying token format (a vendor prefix plus a fixed alphabet)."""
    return Rule(
        rule_id,
        _rx(rf"{left}(?P<s>{body}){right}"),
        prefilter,
        min_len=min_len,
        min_entropy=entropy,
        priority=50,
        check=check,
        anchored=anchored,
    )


TOKEN_RULES: tuple[Rule, ...] = (
    _token("github-pat", r"ghp_[A-Za-z0-9]{36}", "ghp_"),
    _token("github-oauth", r"gho_[A-Za-z0-9]{36}", "gho_"),
    _token("github-app-token", r"(?:ghu|ghs)_[A-Za-z0-9]{36}", "gh[us]_"),
    _token("github-refresh-token", r"ghr_[A-Za-z0-9]{36}", "ghr_"),
    _token("github-fine-grained-pat", r"github_pat_\w{82}", "github_pat_"),
    _token(
        "gitlab-token",
        r"(?:glpat|glptt|gldt|glrt|glcbt|glimt|glagent|glsoat|glffct|gloas|glft|glcbt)-[\w\-.]{20,}",
        "gl[a-z]{1,6}-",
    ),
    _token("gitlab-runner-registration", r"GR1348941[\w\-]{20}", "GR1348941", entropy=3.0),
    # A token cut short by a mask ("xoxp-...-####") is not a token.
    _token(
        "slack-token", r"xox[abprs]-(?:\d{1,3}-)?\d{6,}-[A-Za-z0-9\-]{7,}[A-Za-z0-9](?![\-#*])", "xox[abprs]-"
    ),
    _token("slack-config-token", r"xoxe\.xox[bp]-\d-[A-Z0-9]{163,166}|xoxe-\d-[A-Z0-9]{146}", "xoxe"),
    _token("slack-app-token", r"xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+", "xapp-", entropy=2.0),
    _token("stripe-key", r"(?:sk|rk|pk)_(?:test|live|prod)_[A-Za-z0-9]{10,99}", "[srp]k_(test|live|prod)_"),
    _token("twilio-api-key", r"SK[0-9a-fA-F]{32}", "SK[0-9a-fA-F]{32}"),
    _token("sendgrid-api-key", r"SG\.[\w\-]{20,24}\.[\w\-]{39,50}", r"SG\."),
    _token("anthropic-api-key", r"sk-ant-(?:api03|admin01)-[\w\-]{93}AA", "sk-ant-"),
    _token(
        "openai-api-key",
        r"sk-(?:proj|svcacct|admin)-[\w\-]{20,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|sk-[A-Za-z0-9]{48}",
        "sk-(proj-|svcacct-|admin-|[A-Za-z0-9]{20})",
    ),
    _token("npm-token", r"npm_[A-Za-z0-9]{36}", "npm_"),
    _token("pypi-token", r"pypi-AgEIcHlwaS5vcmc[\w\-]{50,}", "pypi-AgEIcHlwaS5vcmc"),
    _token("postman-api-key", r"PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}", "PMAK-"),
    _token(
        "aws-access-key-id",
        r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}",
        "(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}",
        check=lambda m, v: not v.endswith("EXAMPLE"),  # AWS's documentation key ids
    ),
    _token(
        "aws-bedrock-key",
        r"ABSK[A-Za-z0-9+/]{109,269}={0,2}|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[\w+/=%\-]*",
        "ABSK|bedrock-api-key-",
    ),
    _token("gcp-api-key", r"AIza[\w\-]{35}", "AIza", entropy=4.0, check=lambda m, v: not allowlisted(v)),
    _token(
        "azure-ad-client-secret",
        r"[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}",
        r"\dQ~",
        # gitleaks' delimiters: inside a longer ~-separated blob it is something else.
        left=r"(?<![^\\'\"`\s>=:(,)])",
        right=r"(?=$|[\\'\"`\s<),])",
        anchored=False,
    ),
    _token(
        "jwt",
        r"ey[A-Za-z0-9_\-]{10,}\.ey[A-Za-z0-9_\-/\\]{10,}\.(?:[A-Za-z0-9_\-/\\]{8,}={0,2})?",
        "ey[A-Za-z0-9_-]{10}",
    ),
    _token("age-secret-key", r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", "AGE-SECRET-KEY-1"),
    _token(
        "vault-token",
        r"hv[sb]\.[\w\-]{90,}|s\.(?=[A-Za-z]*\d)[A-Za-z0-9]{24}(?![\w.])",
        r"hv[sb]\.|s\.[A-Za-z0-9]{24}",
    ),
    _token("digitalocean-token", r"do[opr]_v1_[a-f0-9]{64}", "do[opr]_v1_"),
    _token("huggingface-token", r"(?:hf_|api_org_)[A-Za-z]{34}", "hf_|api_org_"),
    _token("shopify-token", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", "shp(at|ca|pa|ss)_"),
    _token(
        "onepassword-token",
        r"ops_eyJ[A-Za-z0-9+/]{250,}={0,3}|A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
        "ops_eyJ|A3-[A-Z0-9]{6}-",
    ),
    _token("doppler-token", r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}", r"dp\.[a-z]{2,5}\."),
    _token("databricks-token", r"dapi[a-f0-9]{32}(?:-\d)?", "dapi[a-f0-9]{8}"),
    _token("atlassian-token", r"ATATT3[A-Za-z0-9_\-=]{186}", "ATATT3"),
    _token(
        "sentry-token",
        r"sntryu_[a-f0-9]{64}|sntrys_eyJpYXQiO[A-Za-z0-9+/]{10,200}"
        r"(?:LCJyZWdpb25fdXJs|InJlZ2lvbl91cmwi|cmVnaW9uX3VybCI6)[A-Za-z0-9+/]{10,200}={0,2}_[A-Za-z0-9+/]{43}",
        "sntry[su]_",
        entropy=3.5,
    ),
    _token(
        "grafana-token",
        r"glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9]{70,400}={0,2}",
        "glc_|glsa_|eyJrIjoi",
        entropy=3.0,
    ),
    _token("planetscale-token", r"pscale_(?:tkn|oauth|pw)_[\w\-.=]{32,64}", "pscale_"),
    _token("linear-api-key", r"lin_api_[A-Za-z0-9]{40}", "lin_api_"),
    _token("newrelic-key", r"NR(?:AK|JS|II)-[A-Za-z0-9\-]{19,}", "NR(AK|JS|II)-"),
    _token("flyio-token", r"(?:fo1_[\w\-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})", "fo1_|fm[12]"),
    _token("mailgun-key", r"key-[a-f0-9]{32}|pubkey-[a-f0-9]{32}", "key-[a-f0-9]{8}", anchored=False),
    _token("square-token", r"(?:EAAA|sq0atp-|sq0csp-)[\w\-]{22,60}", "EAAA|sq0atp-|sq0csp-"),
    _token(
        "flutterwave-key",
        r"FLW(?:PUB|SEC)K_TEST-[a-hA-H0-9]{32}-X|FLWSECK_TEST-?[a-hA-H0-9]{12}",
        "FLW(PUB|SEC)K_TEST",
    ),
    _token("rubygems-token", r"rubygems_[a-f0-9]{48}", "rubygems_"),
    _token("clojars-token", r"CLOJARS_[a-z0-9]{60}", "CLOJARS_"),
    _token("prefect-token", r"pnu_[A-Za-z0-9]{36}", "pnu_"),
    _token("pulumi-token", r"pul-[a-f0-9]{40}", "pul-"),
    _token("terraform-token", r"[A-Za-z0-9]{14}\.atlasv1\.[\w\-=]{60,70}", r"\.atlasv1\.", anchored=False),
    _token("dynatrace-token", r"dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}", r"dt0c01\."),
    _token("easypost-token", r"E(?:Z|Z[AT]K)[A-Za-z0-9]{54}", "EZ[AT]?K?[A-Za-z0-9]{54}"),
    _token("facebook-token", r"EAA[MC][A-Za-z0-9]{100,}", "EAA[MC]"),
    _token("shippo-token", r"shippo_(?:live|test)_[a-fA-F0-9]{40}", "shippo_"),
    _token(
        "harness-key",
        r"pat\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}",
        r"pat\.[A-Za-z0-9_-]{22}\.",
    ),
    _token("settlemint-token", r"sm_(?:pat|aat|sat)_[A-Za-z0-9]{16}", "sm_(pat|aat|sat)_"),
    _token("readme-token", r"rdme_[a-z0-9]{70}", "rdme_"),
    _token("sendinblue-token", r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}", "xkeysib-"),
    _token("duffel-token", r"duffel_(?:test|live)_[\w\-=]{43}", "duffel_"),
    _token("frameio-token", r"fio-u-[\w\-=]{64}", "fio-u-"),
    _token("defined-networking-token", r"dnkey-[a-z0-9=_\-]{26}-[a-z0-9=_\-]{52}", "dnkey-"),
    _token("scalingo-token", r"tk-us-[\w\-]{48}", "tk-us-"),
    _token("openshift-token", r"sha256~[\w\-]{43}", "sha256~"),
    _token("perplexity-key", r"pplx-[A-Za-z0-9]{48}", "pplx-"),
    _token(
        "sourcegraph-token",
        r"sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}|sgp_[a-fA-F0-9]{40}",
        "sgp_",
        entropy=3.0,
    ),
    _token("notion-token", r"ntn_[0-9]{11}[A-Za-z0-9]{32}[A-Za-z0-9]{3}", "ntn_"),
    _token("octopus-key", r"API-[A-Z0-9]{26}", "API-[A-Z0-9]{26}"),
    _token(
        "slack-webhook",
        r"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}",
        r"hooks\.slack\.com/",
        anchored=False,
    ),
    _token(
        "teams-webhook",
        r"https://[a-z0-9]+\.webhook\.office\.com/webhookb2/[a-z0-9\-]+@[a-z0-9\-]+/IncomingWebhook/[a-z0-9]+/[a-z0-9\-]{36}",
        r"webhook\.office\.com",
        anchored=False,
    ),
    _token("artifactory-token", r"AKCp[A-Za-z0-9]{69}|cmVmd[A-Za-z0-9]{59}", "AKCp|cmVmd"),
)
