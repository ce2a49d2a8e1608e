"""A scripted $EDITOR: edits the file it is given as the file named by PW_EDIT_MODE says.

Modes: ``valid`` (renames a test), ``json`` (breaks the request's JSON), ``status`` (expects a
status the spec does not declare), ``policy`` (calls pm.sendRequest), ``sandbox`` (a test that
fails when run), ``same`` (saves it unchanged).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

EDITS = {
    "valid": lambda t: t.replace('pm.test("status is 200"', 'pm.test("status is 200 (checked by hand)"', 1),
    "json": lambda t: t.replace('"method"', '"method" "', 1),
    "status": lambda t: t.replace("have.status(200)", "have.status(299)", 1),
    "policy": lambda t: t + 'pm.sendRequest("http://127.0.0.1:9/");\n',
    "sandbox": lambda t: t + 'pm.test("never true", function () { pm.expect(1).to.equal(2); });\n',
    "same": lambda t: t,
}

if __name__ == "__main__":
    mode = Path(os.environ["PW_EDIT_MODE"]).read_text().strip()
    path = Path(sys.argv[1])
    path.write_text(EDITS[mode](path.read_text()))
