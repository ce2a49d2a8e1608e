"""A GitHub stand-in for tests: a real HTTP server on 127.0.0.1 held to api.github.com's contract.

Use it from any test folder by importing the fixtures into that folder's conftest.py::

    from tests.github.standin.fixtures import github, github_contract, github_server  # noqa: F401

Fixtures (tests/github/standin/fixtures.py):
- ``github`` — a clean stand-in per test (a ``GitHubStandIn``); at teardown the test fails if any
  request it received or reply it sent broke @octokit/openapi's api.github.com.json.
  A test that sends a deliberately wrong request (say, a wrong API root) takes what it expects
  with ``github_contract.take()`` before it ends.
- ``github_server`` — the session's one server; ``github_contract`` — the loaded ``Contract``
  (``violations``, ``take()``, counters ``requests``/``responses``/``operations``).
  Both skip with a clear reason when `make github-env` has not installed tests/github/contract.

``GitHubStandIn`` (control.py; faults and the log in faults.py): ``url`` is the API root
(``api_url``; ``{url}/api/v3`` works too, as GitHub Enterprise). Helpers:
- accounts: ``add_user(login, name=, email=, type=)`` (a login ending in ``[bot]`` is a Bot),
  ``token_for(login, limit=, expires_in=)`` (a token made at run time; send
  ``Authorization: Bearer|token <t>``; anything else is 401 Bad credentials), ``expire(token)``.
- apps: ``register_app(slug, owner=, permissions=, token_ttl=)`` -> ``App`` (``app.id``,
  ``app.private_key_pem`` for ``app_private_key_env``, ``app.bot`` the ``slug[bot]`` user,
  ``app.token_ttl`` seconds an installation token lives); ``install(app, account, repos=, permissions=)``
  -> ``Installation``; ``app_jwt(app, iat_offset=-60, life=600, key=None, iss=None)``.
- repositories: ``create_repo("owner/name", files={path: text|bytes}, default_branch="main", by=)``
  (one initial commit), ``repo(full_name)`` -> ``Repo`` (``refs``, ``store`` of git objects),
  ``push(full_name, branch, files, by=, message=)`` (a person's commit; ``None`` deletes a file),
  ``move_base(full_name, files, by=)``, ``file(full_name, ref, path)`` -> bytes | None,
  ``grant(full_name, login, role)`` (admin|maintain|write|triage|read; others are "none").
- pull requests: ``pulls(full_name)``, ``pull(full_name, n)`` -> ``Pull``, ``comments(full_name, n)``,
  ``close_pull(full_name, n)`` (closed unmerged), ``merge_pull(full_name, n, by=)`` (a merge commit).
- forks (forks.py): ``fork(standin, full_name, owner)`` -> the fork ``owner/name`` (``fork: true``,
  its owner admin there); a pull request on the parent with ``head="owner:branch"`` comes from it
  (``head.repo`` is the fork; its objects are shared with the parent, as GitHub's fork network).
- faults (consumed in order; matched by method or ``*`` and a regex searched in the path):
  ``fail_next(method, path_regex, status, headers=, body=, times=1)``,
  ``secondary_limit(method, path_regex, retry_after=None)`` (403), ``too_many(method, path_regex,
  retry_after=1)`` (429), ``bad_gateway(method, path_regex, times=1)`` (502 then the real answer),
  ``exhaust(method, path_regex, reset_in=1.0)`` (403, ``x-ratelimit-remaining: 0``),
  ``drop_connection(method, path_regex, times=1)`` (closed without an answer: a network error).
- the log: ``requests`` (``LoggedRequest``: method, path, query, headers, body, status) and
  ``requests_containing(text)`` (path, query, body and headers but Authorization: canary searches).

Endpoints: GET /repos/{o}/{r}; git blobs, trees, commits (GET/POST), GET git/ref/{ref}, POST
git/refs, PATCH/DELETE git/refs/{ref}; GET contents/{path}?ref=; GET compare/{base}...{head};
GET/POST pulls (state, head=owner:branch, base, per_page/page), GET/PATCH pulls/{n}, GET
pulls/{n}/commits; GET/POST issues/{n}/comments, GET/PATCH issues/comments/{id}, POST
issues/comments/{id}/reactions; POST issues/{n}/labels; GET collaborators/{user}/permission;
GET /user; GET /rate_limit; (app JWT) GET /app, GET /repos/{o}/{r}/installation,
POST /app/installations/{id}/access_tokens. Run it by hand: ``python -m tests.github.standin``.
"""
