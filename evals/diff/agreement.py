"""Agreement with oasdiff on its own checker fixtures (data/checker/<case>_base|_revision.yaml).

usage: .venv/bin/python evals/diff/agreement.py [--corpus DIR] [-v]
EXPECTED maps each fixture pair to the rule id(s) oasdiff's tests for that pair assert (read
from the fixture names and oasdiff's checker tests). A pair agrees when every expected id is
emitted. oasdiff's tests often run a pair both ways (or edit it in code), so agreement is
reported strictly (base -> revision) and either way (base -> revision or revision -> base).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from agent.diff import diff_specs  # noqa: E402
from agent.diff.rules import known  # noqa: E402
from agent.errors import PostwrightError  # noqa: E402
from agent.specs.load import load_spec  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "oasdiff"

EXPECTED: dict[str, set[str]] = {
    "add_new_media_type": {"response-media-type-added"},
    "api_security_added": {"api-security-added"},
    "api_security_global_added": {"api-global-security-added"},
    "api_security_updated": {"api-security-scope-added"},
    "common_request_parameter_max_items_updated": {"request-parameter-max-items-decreased"},
    "component_security_updated": {"api-security-component-oauth-scope-added"},
    "contains_added": {"request-body-contains-added"},
    "contains_min_max": {"request-body-min-contains-increased"},
    "contains_property": {"request-property-contains-added"},
    "contains_property_min_max": {"request-property-min-contains-increased"},
    "content_schema": {"request-body-content-schema-added"},
    "content_schema_body": {"request-body-content-schema-added"},
    "content_schema_prop": {"request-property-content-schema-added"},
    "dependent_required": {"request-body-dependent-required-added"},
    "dependent_required_property": {"request-property-dependent-required-added"},
    "dependent_required_property_changed": {"request-property-dependent-required-changed"},
    "dependent_schemas": {"request-body-dependent-schema-added"},
    "dependent_schemas_prop": {"request-property-dependent-schema-added"},
    "exclusive_min_max": {"request-body-exclusive-max-decreased"},
    "exclusive_min_max_set": {"request-body-exclusive-max-set"},
    "if_added": {"request-body-if-added"},
    "if_added_prop": {"request-property-if-added"},
    "nullable_type_array_param": {"request-parameter-became-nullable"},
    "nullable_type_array_response": {"response-body-became-nullable"},
    "pattern_properties": {"request-body-pattern-property-added"},
    "pattern_properties_prop": {"request-property-pattern-property-added"},
    "prefix_items_added": {"request-body-prefix-items-added"},
    "prefix_items_prop": {"request-property-prefix-items-added"},
    "property_names": {"request-body-property-names-added"},
    "property_names_prop": {"request-property-property-names-added"},
    "request_body_const_changed": {"request-body-const-changed"},
    "request_body_default_value_changed": {"request-body-default-value-changed"},
    "request_body_max_length_set": {"request-body-max-length-set"},
    "request_body_max_set": {"request-body-max-set"},
    "request_body_media_type_updated": {"request-body-media-type-added", "request-body-media-type-removed"},
    "request_body_nullable_31": {"request-body-became-nullable"},
    "request_body_removed": {"request-body-removed"},
    "request_parameter_array_max_items": {"request-parameter-max-items-decreased"},
    "request_parameter_became_enum": {"request-parameter-became-enum"},
    "request_parameter_default_value_changed": {"request-parameter-default-value-changed"},
    "request_parameter_enum_value_updated": {"request-parameter-enum-value-removed"},
    "request_parameter_max_items_updated": {"request-parameter-max-items-decreased"},
    "request_parameter_max_length_set": {"request-parameter-max-length-set"},
    "request_parameter_max_length_updated": {"request-parameter-max-length-decreased"},
    "request_parameter_max_updated": {"request-parameter-max-decreased"},
    "request_parameter_min_increased": {"request-parameter-min-increased"},
    "request_parameter_min_items_increased": {"request-parameter-min-items-increased"},
    "request_parameter_min_length_increased": {"request-parameter-min-length-increased"},
    "request_parameter_pattern_added_or_changed": {"request-parameter-pattern-added"},
    "request_parameter_property_enum_value_updated": {"request-parameter-property-enum-value-removed"},
    "request_property_added": {"new-required-request-property"},
    "request_property_all_of_added": {"request-property-all-of-added"},
    "request_property_all_of_inline_added": {"request-property-all-of-added"},
    "request_property_all_of_removed": {"request-property-all-of-removed"},
    "request_property_any_of_added": {"request-property-any-of-added"},
    "request_property_any_of_removed": {"request-property-any-of-removed"},
    "request_property_became_nullable": {"request-property-became-nullable"},
    "request_property_became_nullable_31": {"request-property-became-nullable"},
    "request_property_discriminator_added": {"request-property-discriminator-added"},
    "request_property_max_length_set": {"request-property-max-length-set"},
    "request_property_max_set": {"request-property-max-set"},
    "request_property_min_increased": {"request-property-min-increased"},
    "request_property_min_items_increased": {"request-property-min-items-increased"},
    "request_property_one_of_added": {"request-property-one-of-added"},
    "request_property_one_of_removed": {"request-property-one-of-removed"},
    "request_property_pattern_added_or_changed": {"request-property-pattern-added"},
    "request_property_type_changed": {"request-property-type-changed"},
    "response_min_decreased": {"response-body-min-decreased"},
    "response_optional_property_removed": {"response-optional-property-removed"},
    "response_pattern_added_or_changed": {"response-property-pattern-added"},
    "response_property_all_of_added": {"response-property-all-of-added"},
    "response_property_all_of_inline_added": {"response-property-all-of-added"},
    "response_property_all_of_removed": {"response-property-all-of-removed"},
    "response_property_any_of_added": {"response-property-any-of-added"},
    "response_property_any_of_removed": {"response-property-any-of-removed"},
    "response_property_became_optional": {"response-property-became-optional"},
    "response_property_const_changed": {"response-property-const-changed"},
    "response_property_default_value_changed": {"response-property-default-value-changed"},
    "response_property_discriminator_added": {"response-property-discriminator-added"},
    "response_property_one_of_added": {"response-property-one-of-added"},
    "response_property_one_of_removed": {"response-property-one-of-removed"},
    "response_required_property_added": {"response-required-property-added"},
    "response_schema_type_changed": {"response-body-type-changed"},
    "unevaluated": {"request-body-unevaluated-properties-added"},
    "unevaluated_property": {"request-property-unevaluated-properties-added"},
    "webhook": {"webhook-added"},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    data = args.corpus / "data" / "checker"
    unknown = {i for ids in EXPECTED.values() for i in ids if not known(i)}
    assert not unknown, f"not oasdiff rule ids: {unknown}"
    agree = either = 0
    misses: list[str] = []
    failed: list[str] = []
    for case, expected in sorted(EXPECTED.items()):
        try:
            base = load_spec(str(data / f"{case}_base.yaml"), validate=False)
            rev = load_spec(str(data / f"{case}_revision.yaml"), validate=False)
            forward = {c.id for c in diff_specs(base, rev)}
            backward = {c.id for c in diff_specs(rev, base)}
        except PostwrightError as exc:
            failed.append(f"{case}: {exc}")
            continue
        agree += expected <= forward
        either += expected <= forward | backward
        if not expected <= forward | backward:
            misses.append(f"{case}: expected {sorted(expected - forward)}, got {sorted(forward)[:6]}")
    total = len(EXPECTED)
    print(f"oasdiff fixture pairs with an expected rule id: {total} (load failures: {len(failed)})")
    print(f"agreement base->revision: {agree}/{total} = {100 * agree / total:.1f}%")
    print(f"agreement either direction: {either}/{total} = {100 * either / total:.1f}%")
    for line in (misses + failed) if args.verbose else []:
        print("  miss", line)


if __name__ == "__main__":
    main()
