"""Pull requests, their commits, issue comments and labels."""

from __future__ import annotations

from typing import Any

from tests.github.standin import forks, shapes, shapes_git, shapes_pulls
from tests.github.standin.hub import Comment, Label, Pull, Reaction, Repo, stamp
from tests.github.standin.web import Fail, Reply, Request, Router, not_found, paginate, validation_failed

PULL_DOCS = f"{shapes.DOCS}/pulls/pulls"
ISSUE_DOCS = f"{shapes.DOCS}/issues"


def _branch_of(repo: Repo, head: str) -> str:
    """``owner:branch`` or ``branch`` as a branch of ``repo`` itself (a list filter; forks: forks.py)."""
    owner, sep, branch = head.partition(":")
    if sep and owner.lower() != repo.owner.login.lower():
        return ""
    return branch if sep else head


def open_duplicate(repo: Repo, head: str, base: str, but: int = 0) -> Fail | None:
    """The 422 GitHub answers when an open PR for ``head`` into ``base`` exists."""
    for pr in repo.pulls.values():
        if pr.state == "open" and pr.head_ref == head and pr.base_ref == base and pr.number != but:
            return validation_failed(
                "Validation Failed",
                {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": f"A pull request already exists for {repo.owner.login}:{head}.",
                },
                docs=f"{PULL_DOCS}#create-a-pull-request",
            )
    return None


def refresh(repo: Repo, pr: Pull) -> None:
    """An open PR follows its branches; a closed one keeps the shas it was closed at."""
    if pr.state == "open":
        head = pr.head_repo or repo
        pr.head_sha = head.branch(pr.head_ref) or pr.head_sha
        forks.share(head, repo)
        pr.base_sha = repo.branch(pr.base_ref) or pr.base_sha


def _pull(req: Request, repo: Repo) -> Pull:
    try:
        pr = repo.pulls[int(req.params["number"])]
    except (KeyError, ValueError):
        raise not_found(f"{PULL_DOCS}#get-a-pull-request") from None
    refresh(repo, pr)
    return pr


def list_pulls(req: Request) -> Reply:
    repo = req.repo()
    state = req.query.get("state", "open")
    if state not in ("open", "closed", "all"):
        raise validation_failed(
            "Validation Failed", {"resource": "Issue", "field": "state", "code": "invalid"}
        )
    head = req.query.get("head")
    branch = _branch_of(repo, head) if head else None
    base = req.query.get("base")
    found = []
    for pr in sorted(
        repo.pulls.values(), key=lambda p: p.number, reverse=req.query.get("direction", "desc") == "desc"
    ):
        refresh(repo, pr)
        if state != "all" and pr.state != state:
            continue
        if (branch is not None and pr.head_ref != branch) or (base and pr.base_ref != base):
            continue
        found.append(shapes_pulls.pull(req.api, req.hub, repo, pr, full=False))
    return paginate(req, found)


def create_pull(req: Request) -> Reply:
    repo, body = req.repo(), req.json()
    req.need("pull_requests")
    assert req.token is not None
    docs = f"{PULL_DOCS}#create-a-pull-request"
    head_repo, head = forks.head_of(req.hub, repo, str(body.get("head", "")))
    base, title = (
        str(body.get("base", "")),
        body.get("title"),
    )
    if not isinstance(title, str) or not title:
        raise validation_failed(
            "Validation Failed",
            {"resource": "PullRequest", "field": "title", "code": "missing_field"},
            docs=docs,
        )
    head_sha, base_sha = head_repo.branch(head), repo.branch(base)
    if head_sha is None:
        raise validation_failed(
            "Validation Failed", {"resource": "PullRequest", "field": "head", "code": "invalid"}, docs=docs
        )
    if base_sha is None:
        raise validation_failed(
            "Validation Failed", {"resource": "PullRequest", "field": "base", "code": "invalid"}, docs=docs
        )
    duplicate = open_duplicate(repo, head, base)
    if duplicate is not None:
        raise duplicate
    forks.share(head_repo, repo)
    if not repo.store.only_in(head_sha, base_sha):
        raise validation_failed(
            "Validation Failed",
            {"resource": "PullRequest", "code": "custom", "message": f"No commits between {base} and {head}"},
            docs=docs,
        )
    now = stamp()
    pr = Pull(
        number=repo.next_number,
        id=req.hub.next_id(),
        title=title,
        body=body.get("body"),
        user=req.token.user,
        head_ref=head,
        base_ref=base,
        head_sha=head_sha,
        base_sha=base_sha,
        draft=bool(body.get("draft", False)),
        created_at=now,
        updated_at=now,
        head_repo=head_repo if head_repo is not repo else None,
    )
    repo.next_number += 1
    repo.pulls[pr.number] = pr
    return Reply(201, shapes_pulls.pull(req.api, req.hub, repo, pr, full=True))


def get_pull(req: Request) -> Reply:
    repo = req.repo()
    return Reply(200, shapes_pulls.pull(req.api, req.hub, repo, _pull(req, repo), full=True))


def update_pull(req: Request) -> Reply:
    repo, body = req.repo(), req.json()
    req.need("pull_requests")
    pr = _pull(req, repo)
    if "title" in body:
        pr.title = str(body["title"])
    if "body" in body:
        pr.body = body["body"]
    if "base" in body and repo.branch(str(body["base"])) is not None:
        pr.base_ref = str(body["base"])
    if body.get("state") == "closed" and pr.state == "open" and not pr.merged:
        refresh(repo, pr)
        pr.state, pr.closed_at = "closed", stamp()
    elif body.get("state") == "open" and pr.state == "closed" and not pr.merged:
        duplicate = open_duplicate(repo, pr.head_ref, pr.base_ref, but=pr.number)
        if duplicate is not None:
            raise duplicate
        pr.state, pr.closed_at = "open", None
    pr.updated_at = stamp()
    refresh(repo, pr)
    return Reply(200, shapes_pulls.pull(req.api, req.hub, repo, pr, full=True))


def pull_commits(req: Request) -> Reply:
    repo = req.repo()
    pr = _pull(req, repo)
    shas = repo.store.only_in(pr.head_sha, pr.base_sha)
    return paginate(req, [shapes_git.commit(req.api, req.hub, repo, sha) for sha in shas])


def _issue(req: Request, repo: Repo) -> int:
    """An issue number that exists (PRs are the only issues the stand-in keeps)."""
    try:
        number = int(req.params["number"])
    except ValueError:
        raise not_found(ISSUE_DOCS) from None
    if number not in repo.pulls:
        raise not_found(f"{ISSUE_DOCS}/comments#create-an-issue-comment")
    return number


def _comment_body(body: Any) -> str:
    text = body.get("body") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text:
        raise validation_failed("Invalid request.\n\nFor 'links/0/schema', nil is not an object.")
    if len(text) > 65536:
        raise validation_failed(
            "Validation Failed",
            {
                "resource": "IssueComment",
                "code": "custom",
                "field": "body",
                "message": "body is too long (maximum is 65536 characters)",
            },
        )
    return text


def list_comments(req: Request) -> Reply:
    repo = req.repo()
    number = _issue(req, repo)
    found = [
        shapes_pulls.comment(req.api, repo, c)
        for c in sorted(repo.comments.values(), key=lambda c: c.id)
        if c.issue == number
    ]
    return paginate(req, found)


def create_comment(req: Request) -> Reply:
    repo = req.repo()
    req.need("issues", "pull_requests")
    number, text = _issue(req, repo), _comment_body(req.json())
    assert req.token is not None
    now = stamp()
    found = Comment(req.hub.next_id(), number, req.token.user, text, now, now)
    repo.comments[found.id] = found
    return Reply(201, shapes_pulls.comment(req.api, repo, found))


def update_comment(req: Request) -> Reply:
    repo = req.repo()
    req.need("issues", "pull_requests")
    found = _comment(req, repo)
    found.body, found.updated_at = _comment_body(req.json()), stamp()
    return Reply(200, shapes_pulls.comment(req.api, repo, found))


def _comment(req: Request, repo: Repo) -> Comment:
    found = repo.comments.get(int(req.params["id"])) if req.params["id"].isdigit() else None
    if found is None:
        raise not_found(f"{ISSUE_DOCS}/comments#get-an-issue-comment")
    return found


def get_comment(req: Request) -> Reply:
    repo = req.repo()
    return Reply(200, shapes_pulls.comment(req.api, repo, _comment(req, repo)))


REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


def react(req: Request) -> Reply:
    """A reaction to a comment: 201 new, 200 when this user already reacted so."""
    repo, body = req.repo(), req.json()
    req.need("issues", "pull_requests")
    assert req.token is not None
    found, content = _comment(req, repo), body.get("content")
    if content not in REACTIONS:
        raise validation_failed(
            "Validation Failed", {"resource": "Reaction", "code": "invalid", "field": "content"}
        )
    given = repo.reactions.setdefault(found.id, [])
    for old in given:
        if old.user is req.token.user and old.content == content:
            return Reply(200, shapes_pulls.reaction(req.api, old))
    given.append(Reaction(req.hub.next_id(), req.token.user, str(content), stamp()))
    return Reply(201, shapes_pulls.reaction(req.api, given[-1]))


def add_labels(req: Request) -> Reply:
    repo = req.repo()
    req.need("issues", "pull_requests")
    number, body = _issue(req, repo), req.json()
    names = body.get("labels") if isinstance(body, dict) else body
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise validation_failed('Invalid request.\n\nNo subschema in "anyOf" matched.')
    pr = repo.pulls[number]
    for name in names:
        repo.labels.setdefault(name.lower(), Label(req.hub.next_id(), name))
        if name.lower() not in [n.lower() for n in pr.labels]:
            pr.labels.append(repo.labels[name.lower()].name)
    return Reply(200, [shapes_pulls.label(req.api, repo, repo.labels[n.lower()]) for n in pr.labels])


def register(router: Router) -> None:
    r = "/repos/{owner}/{repo}"
    router.add("GET", f"{r}/pulls", list_pulls)
    router.add("POST", f"{r}/pulls", create_pull)
    router.add("GET", f"{r}/pulls/{{number}}", get_pull)
    router.add("PATCH", f"{r}/pulls/{{number}}", update_pull)
    router.add("GET", f"{r}/pulls/{{number}}/commits", pull_commits)
    router.add("GET", f"{r}/issues/{{number}}/comments", list_comments)
    router.add("POST", f"{r}/issues/{{number}}/comments", create_comment)
    router.add("GET", f"{r}/issues/comments/{{id}}", get_comment)
    router.add("PATCH", f"{r}/issues/comments/{{id}}", update_comment)
    router.add("POST", f"{r}/issues/comments/{{id}}/reactions", react)
    router.add("POST", f"{r}/issues/{{number}}/labels", add_labels)
