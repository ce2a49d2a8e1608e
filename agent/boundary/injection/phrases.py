"""The phrasing rules behind injection scoring (regexes over normalised, lower-cased text).

Sentence rules see one sentence at a time (NFKC-folded, invisible characters removed,
whitespace collapsed, lower case); token rules run over the raw text and mark exact spans.
Weights are the score a match gives; >= 0.5 makes text suspicious.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.boundary.injection.fence import FENCE_WORD

_AI = (
    r"(?:ai|a\.i\.|assistant|ai assistant|ai model|ai agent|ai system|language model|"
    r"large language model|llm|chatbot|gpt|chatgpt|claude|copilot|gemini|test generator|"
    r"code generator)"
)
_OUTPUT = r"(?:responses?|answers?|repl(?:y|ies)|output|message|summary|completion|translation)"
_LEAD = (
    r"^(?:(?:please|kindly|also|and|now|then|always|finally|additionally|moreover|"
    r"make sure (?:to |that )?|be sure to|ensure (?:that )?|remember to|"
    r"(?:do not|don't) forget to|you (?:must|should|need to|have to))\s+)*"
)
_DIRECTIVE = (
    r"(?:add|include|insert|append|prepend|end|begin|start|translate|provide|render|write|format|"
    r"make|modify|enhance|respond|answer|mention|integrate|incorporate|combine|scramble|reverse|"
    r"use|give|let|conclude|embed|weave|attach|structure|compose|rewrite|change|convert|encode|"
    r"spell|put|express|present|craft|deliver|finish|close|sign|wrap|infuse|inject|emphasi[sz]e|"
    r"highlight|promote|recommend|tell|inform|remind|invite|encourage|offer|suggest|advise|"
    r"state|claim|share|reply|keep|limit|restrict|refer|allude|hint|replace|substitute|apply|"
    r"transform|return|only|augment|rearrange|group|encrypt|display|rephrase|remove|reword|"
    r"accompany|supplement|enrich|complement|conclude|tailor|adapt|adjust|sprinkle)"
)
_CODE_REF = (
    r"\b(?:following|below|subsequent|attached|enclosed)\b[\w\s-]{0,20}?\b"
    r"(?:code|snippet|block|excerpt|section|lines?|function|script|segment|fragment)\b"
)
_SECRET = (
    r"(?:access[_ -]?tokens?|api[_ -]?keys?|auth(?:orization)? (?:tokens?|headers?)|bearer tokens?|"
    r"tokens?|secrets?|passwords?|passwd|credentials?|cookies?|session (?:ids?|tokens?)|"
    r"private keys?|ssh keys?|env(?:ironment)? var(?:iable)?s?|\.env|system prompt|"
    r"pm\.environment|collection variables)"
)
_SEND = (
    r"(?:send|post|forward|upload|exfiltrate|leak|transmit|e-?mail|share|submit|deliver|copy|"
    r"paste|dump|reveal|expose|beacon|ping|call)"
)
_DEST = (
    r"(?:https?://|www\.|\b(?:to|at|into|via) (?:the |this |my |our |a |an |following |external |"
    r"remote )?(?:url|endpoint|server|host|address|webhook|site|website|domain|link)\b|"
    r"\b[a-z0-9-]+\.(?:com|net|org|io|xyz|ru|cn|site|top|info|biz|me|co)\b)"
)


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass(frozen=True)
class SentenceRule:
    """A rule over one normalised sentence: all patterns must match, none of the vetoes."""

    kind: str
    name: str
    weight: float
    all_of: tuple[re.Pattern[str], ...]
    none_of: tuple[re.Pattern[str], ...] = ()

    def score(self, sentence: str) -> float:
        """The rule's weight if it matches the sentence, else 0."""
        if all(p.search(sentence) for p in self.all_of) and not any(p.search(sentence) for p in self.none_of):
            return self.weight
        return 0.0


@dataclass(frozen=True)
class TokenRule:
    """A rule that marks exact spans of the raw text."""

    kind: str
    name: str
    weight: float
    pattern: re.Pattern[str]


SENTENCE_RULES: tuple[SentenceRule, ...] = (
    SentenceRule(
        "instruction",
        "override-instructions",
        0.9,
        (
            _re(
                r"\b(?:ignore|disregard|forget|override|bypass|discard|abandon|neglect|(?:do not|don't|stop) "
                r"follow(?:ing)?)\b[\w\s,'-]{0,40}?\b(?:previous|prior|above|earlier|preceding|foregoing|"
                r"original|initial|system|all|any|your|existing|developer'?s?)\b[\w\s,'-]{0,30}?\b(?:instructions?|"
                r"prompts?|rules|directions|directives|guidelines|guardrails|context|messages|constraints|"
                r"policies|restrictions)\b"
            ),
        ),
    ),
    SentenceRule(
        "instruction",
        "role-reassignment",
        0.8,
        (
            _re(
                r"\bfrom now on,? you (?:will|must|are|should|shall)\b|\byour new (?:role|task|"
                r"instructions?|goal|"
                r"job|purpose|objective|persona)\b|\b(?:new|updated|revised|real|actual|true) (?:system )?"
                r"instructions?\s*:|\byou are (?:now |no longer )(?:an? |in |free|unrestricted|"
                r"jailbroken|dan\b)"
            ),
        ),
    ),
    SentenceRule(
        "instruction",
        "addressed-to-ai",
        0.8,
        (
            _re(
                r"\b(?:if you are|if you're|attention|note to|dear|hey|hello|hi|message (?:for|to)|"
                r"instructions? (?:for|to)|to) (?:the |an? |any |all )?" + _AI + r"s?\b"
            ),
        ),
    ),
    SentenceRule(
        "instruction", "output-directive", 0.75, (_re(_LEAD + _DIRECTIVE + r"\b.*\byour " + _OUTPUT + r"\b"),)
    ),
    SentenceRule(
        "instruction",
        "output-directive",
        0.7,
        (
            _re(
                r"\b(?:in|into|to|within|throughout|across|at the (?:end|start|beginning) of|end|begin|start|"
                r"conclude|finish|preface|prefix) (?:each |every |all |all of )?your " + _OUTPUT + r"\b"
            ),
        ),
        (
            _re(
                r"\b(?:forward|looking|thanks|thank you|awaiting|waiting|respond|reply|attention|listen)"
                r" (?:to|for) your " + _OUTPUT
            ),
        ),
    ),
    SentenceRule(
        "instruction",
        "code-directive",
        0.8,
        (
            _re(_CODE_REF),
            _re(
                r"\byour (?:own )?(?:code|codebase|implementation|solution|algorithm|program|script|project|"
                r"application|app|software|answer|response|function|framework|system|work|elucidation)\b|"
                r"\bthe code you (?:develop|write|produce|generate)"
            ),
        ),
    ),
    SentenceRule(
        "instruction",
        "code-directive",
        0.6,
        (
            _re(
                _LEAD
                + r"(?:(?:don't|do not) hesitate to |feel free to )?(?:add|include|insert|append|integrate|"
                r"incorporate|embed|blend|infuse|adopt|leverage|use|utili[sz]e|merge|inject|weave|execute|run|"
                r"deploy|enlist|absorb|meld|harmoni[sz]e|introduce|make|validate|interweave)\b"
            ),
            _re(_CODE_REF),
            _re(r":$"),
        ),
    ),
    SentenceRule(
        "instruction",
        "output-directive",
        0.45,
        (_re(r"\byour (?:responses?|answers?|repl(?:y|ies))\b"),),
        (
            _re(
                r"\b(?:thanks?|thank you|forward to|await(?:ing)?|waiting for|received|receiving|"
                r"got|appreciate|"
                r"regarding|re:|in response to|for) (?:\w+ ){0,2}your (?:responses?|answers?|repl(?:y|ies))"
            ),
            _re(r"\byour (?:responses?|answers?|repl(?:y|ies)) (?:has|have|was|were|is|will be)\b"),
        ),
    ),
    SentenceRule(
        "instruction",
        "output-format",
        0.6,
        (
            _re(
                r"\b(?:reply|respond|answer|write|display|output)\b (?:only |back |entirely "
                r")?(?:in|using|into|with) "
                r"(?:reverse|base ?\d+|hex|binary|morse|rot13|caesar|pig latin|leetspeak|emojis?|"
                r"(?:a |an )?(?:different|foreign) language|english|french|german|spanish|italian|"
                r"portuguese|russian|"
                r"chinese|japanese|korean|arabic|hindi|dutch|polish|turkish|swedish)\b"
            ),
        ),
    ),
    SentenceRule(
        "instruction",
        "text-manipulation",
        0.55,
        (
            _re(
                r"^(?:please )?(?:replace|swap|reverse|scramble|shuffle|rearrange|substitute|group|"
                r"capitali[sz]e|"
                r"uppercase|encrypt|encode|remove)\b.{0,40}\b(?:letters?|vowels?|consonants?|characters?|spaces)\b"
            ),
        ),
    ),
    SentenceRule(
        "instruction",
        "test-tampering",
        0.75,
        (
            _re(
                r"\b(?:delete|remove|drop|disable|comment out|overwrite|replace)\b[\w\s'-]{0,30}?\b"
                r"(?:all |every |existing |the |other |human[- ]written |current |old )+(?:tests?|"
                r"assertions?|"
                r"test cases?|checks?|collections?)\b"
            ),
        ),
    ),
    SentenceRule(
        "instruction",
        "pr-text-directive",
        0.7,
        (
            _re(r"\b(?:pr|pull request|merge request|bot) (?:body|description|title|comment)\b"),
            _re(r"\b(?:add|include|write|insert|put|append|mention|post|link)\b"),
        ),
    ),
    SentenceRule(
        "instruction",
        "retarget",
        0.6,
        (
            _re(
                r"\b(?:change|switch|set|point|redirect|retarget|move)\b[\w\s'-]{0,30}?\b(?:target|base ?url|"
                r"baseurl|host|server|endpoint|branch|repository|repo|remote)\b[\w\s'-]{0,20}?\bto\b"
            ),
            _re(_DEST),
        ),
    ),
    SentenceRule(
        "solicitation",
        "send-secret",
        0.9,
        (_re(r"\b" + _SEND + r"\w*\b"), _re(r"\b" + _SECRET + r"\b"), _re(_DEST)),
    ),
    SentenceRule(
        "solicitation",
        "test-exfiltration",
        0.9,
        (
            _re(
                r"\b(?:add|write|create|insert|include)\b.{0,40}\b(?:tests?|scripts?|requests?|pre-request)\b.{0,60}"
                r"\b(?:sends?|posts?|uploads?|forwards?|exfiltrat\w*|leaks?)\b"
            ),
        ),
    ),
    SentenceRule(
        "solicitation",
        "reveal-prompt",
        0.8,
        (
            _re(
                r"\b(?:reveal|print|show|repeat|output|display|leak|tell me|what (?:is|are|were))\b.{0,30}"
                r"\b(?:(?:the |your )?system prompt|initial prompt|your (?:instructions|prompt|"
                r"rules|guidelines)|"
                r"hidden (?:instructions|prompt))\b"
            ),
        ),
    ),
    SentenceRule(
        "solicitation",
        "secret-directive",
        0.6,
        (
            _re(_LEAD + r"(?:print|dump|reveal|expose|show|display|echo|output|list|read|send|include)\b"),
            _re(r"\b" + _SECRET + r"\b"),
        ),
    ),
    SentenceRule("solicitation", "exfiltrate", 0.7, (_re(r"\bexfiltrat\w*"),)),
)

TOKEN_RULES: tuple[TokenRule, ...] = (
    TokenRule(
        "forgery",
        "chat-template",
        0.9,
        re.compile(
            r"<\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|start_header_id|"
            r"end_header_id|begin_of_text|end_of_text|fim_\w+)\|>|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>",
            re.I,
        ),
    ),
    TokenRule("forgery", "fence-forgery", 0.95, re.compile(FENCE_WORD + r"|\[QUARANTINED:", re.I)),
    TokenRule(
        "forgery",
        "role-turn",
        0.7,
        re.compile(
            r"^[ \t>#*\-]*(?:system|assistant|developer)[ \t]*(?:prompt|message)?[ \t]*:(?=\s)", re.I | re.M
        ),
    ),
    TokenRule(
        "forgery",
        "instruction-heading",
        0.7,
        re.compile(r"^[ \t]*#{2,}[ \t]*(?:instructions?|system|response)[ \t]*:?[ \t]*$", re.I | re.M),
    ),
    TokenRule(
        "forgery",
        "role-tag",
        0.7,
        re.compile(
            r"</?[ \t]*(?:system|instructions?|assistant|developer|system[-_]?prompt|im_start)[ \t]*>", re.I
        ),
    ),
    TokenRule(
        "solicitation",
        "tool-call",
        0.8,
        re.compile(r"\bpm\s*\.\s*sendRequest\b|\bsendRequest\s*\(|\bnavigator\s*\.\s*sendBeacon\b", re.I),
    ),
    TokenRule(
        "solicitation",
        "secret-store-access",
        0.6,
        re.compile(r"\bpm\s*\.\s*(?:environment|globals|vault)\s*\.\s*(?:toObject|values|get)\b", re.I),
    ),
    TokenRule("solicitation", "markdown-image", 0.6, re.compile(r"!\[[^\]\n]{0,200}\]\(\s*https?://[^)\s]+")),
    TokenRule(
        "solicitation",
        "secret-in-url",
        0.9,
        re.compile(
            r"https?://[^\s\"'<>]*(?:\{\{[^}\s]*(?:token|secret|key|password|auth|cred)[^}\s]*\}\}|"
            r"\$\{?[A-Za-z_]*(?:TOKEN|SECRET|KEY|PASSWORD)\b)",
            re.I,
        ),
    ),
)
