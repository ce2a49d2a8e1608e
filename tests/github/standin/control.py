"""What a test does to the stand-in directly: accounts, repositories, human pushes, faults, the log."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.github.standin.faults import Faults
from tests.github.standin.gitstore import Signature
from tests.github.standin.hub import (
    App,
    Comment,
    Hub,
    Installation,
    Pull,
    Repo,
    Token,
    User,
    new_token,
    stamp,
)
from tests.github.standin.routes_pulls import refresh
from tests.github.standin.server import Server


def pem_pair() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


class GitHubStandIn(Faults):
    """A running stand-in (``url``: the API root) and the helpers tests drive it with."""

    def __init__(self) -> None:
        self.server = Server(Hub())

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def hub(self) -> Hub:
        return self.server.hub

    def reset(self) -> None:
        """Forget everything (accounts, repositories, faults, the log): a clean GitHub."""
        self.server.hub = Hub()

    def close(self) -> None:
        self.server.close()

    # -- accounts and credentials -------------------------------------------------------

    def add_user(
        self, login: str, *, name: str | None = None, email: str | None = None, type: str = "User"
    ) -> User:
        with self.hub.lock:
            if login in self.hub.users:
                return self.hub.users[login]
            uid = self.hub.next_id()
            type = "Bot" if login.endswith("[bot]") else type
            found = User(
                login, uid, name or login.title(), email or f"{uid}+{login}@users.noreply.github.com", type
            )
            self.hub.users[login] = found
            return found

    def token_for(self, login: str, *, limit: int = 5000, expires_in: float | None = None) -> str:
        """A new personal access token of ``login`` (made at run time)."""
        who = self.add_user(login)
        value = new_token("gh" + "p")
        expires = None if expires_in is None else time.time() + expires_in
        with self.hub.lock:
            self.hub.tokens[value] = Token(value, who, expires, limit=limit)
        return value

    def expire(self, token: str) -> None:
        """End a token's life now (the next request with it gets 401 Bad credentials)."""
        with self.hub.lock:
            self.hub.tokens[token].expires_at = time.time() - 1

    def register_app(
        self,
        slug: str,
        *,
        owner: str,
        permissions: Mapping[str, str] | None = None,
        token_ttl: float = 3600.0,
    ) -> App:
        """A GitHub App with a fresh RSA key (``app.private_key_pem`` signs its JWTs)."""
        owner_user = self.add_user(owner, type="Organization")
        private, public = pem_pair()
        with self.hub.lock:
            app_id = self.hub.next_id()
            bot = self.add_user(
                f"{slug}[bot]",
                name=f"{slug}[bot]",
                email=f"{app_id}+{slug}[bot]@users.noreply.github.com",
                type="Bot",
            )
            perms = dict(
                permissions
                or {"contents": "write", "pull_requests": "write", "issues": "write", "metadata": "read"}
            )
            found = App(app_id, slug, owner_user, bot, public, private, perms, token_ttl)
            self.hub.apps[app_id] = found
            return found

    def install(
        self,
        app: App,
        account: str,
        *,
        repos: list[str] | None = None,
        permissions: Mapping[str, str] | None = None,
    ) -> Installation:
        """Install ``app`` on ``account`` for all repositories, or the named ones."""
        who = self.add_user(account, type="Organization")
        with self.hub.lock:
            chosen = None if repos is None else frozenset(f"{account}/{r}".lower() for r in repos)
            found = Installation(self.hub.next_id(), app, who, chosen, dict(permissions or app.permissions))
            self.hub.installations[found.id] = found
            return found

    @staticmethod
    def app_jwt(
        app: App, *, iat_offset: int = -60, life: int = 600, key: bytes | None = None, iss: Any = None
    ) -> str:
        """A JWT for ``app`` as GitHub asks (iat 60 s back, exp iat + 10 min); tests bend each part."""
        iat = int(time.time()) + iat_offset
        claims = {"iat": iat, "exp": iat + life, "iss": str(app.id) if iss is None else iss}
        return jwt.encode(claims, key or app.private_key_pem, algorithm="RS256")

    # -- repositories and people's actions ------------------------------------------------

    def create_repo(
        self,
        full_name: str,
        *,
        files: Mapping[str, bytes | str] | None = None,
        default_branch: str = "main",
        by: str = "octocat",
    ) -> Repo:
        """A repository with one initial commit of ``files`` on ``default_branch``."""
        owner, name = full_name.split("/")
        owner_user = self.add_user(owner, type="Organization")
        with self.hub.lock:
            repo = Repo(self.hub.next_id(), owner_user, name, default_branch, stamp())
            self.hub.repos[full_name.lower()] = repo
        self.push(
            full_name, default_branch, files or {"README.md": f"# {name}\n"}, by=by, message="Initial commit"
        )
        return repo

    def grant(self, full_name: str, login: str, role: str) -> None:
        """Give ``login`` a role on the repository: admin, maintain, write, triage or read."""
        self.add_user(login)
        with self.hub.lock:
            self.repo(full_name).roles[login] = role

    def repo(self, full_name: str) -> Repo:
        found = self.hub.repos.get(full_name.lower())
        if found is None:
            raise KeyError(full_name)
        return found

    def push(
        self,
        full_name: str,
        branch: str,
        files: Mapping[str, bytes | str | None],
        *,
        by: str = "octocat",
        message: str = "A human change",
    ) -> str:
        """A commit authored and committed by the person ``by`` on ``branch`` (new: off the default)."""
        who = self.add_user(by)
        repo = self.repo(full_name)
        with self.hub.lock:
            parent = repo.branch(branch) or repo.branch(repo.default_branch)
            tree = dict(repo.store.flatten(repo.store.commits[parent].tree)) if parent else {}
            for path, content in files.items():
                if content is None:
                    tree.pop(path, None)
                else:
                    data = content.encode() if isinstance(content, str) else content
                    tree[path] = ("100644", repo.store.blob(data))
            sig = self.hub.signature(who)
            sha = repo.store.commit(
                repo.store.build(tree), [parent] if parent else [], sig, sig, message + "\n"
            )
            repo.refs[f"refs/heads/{branch}"] = sha
            repo.pushed_at = stamp()
            return sha

    def move_base(
        self, full_name: str, files: Mapping[str, bytes | str | None], *, by: str = "octocat"
    ) -> str:
        """Someone lands a change on the default branch."""
        return self.push(
            full_name, self.repo(full_name).default_branch, files, by=by, message="Move the base forward"
        )

    def pull(self, full_name: str, number: int) -> Pull:
        repo = self.repo(full_name)
        with self.hub.lock:
            refresh(repo, repo.pulls[number])
            return repo.pulls[number]

    def pulls(self, full_name: str) -> list[Pull]:
        return [self.pull(full_name, n) for n in sorted(self.repo(full_name).pulls)]

    def comments(self, full_name: str, number: int) -> list[Comment]:
        return sorted(
            (c for c in self.repo(full_name).comments.values() if c.issue == number), key=lambda c: c.id
        )

    def file(self, full_name: str, ref: str, path: str) -> bytes | None:
        """A file's bytes at a branch or sha (None when absent)."""
        repo = self.repo(full_name)
        sha = repo.branch(ref) or ref
        if sha not in repo.store.commits:
            return None
        entry = repo.store.lookup(repo.store.commits[sha].tree, path)
        return repo.store.blob_bytes(entry.sha) if entry and entry.kind == "blob" else None

    def close_pull(self, full_name: str, number: int) -> None:
        """A reviewer closes the PR without merging."""
        pr = self.pull(full_name, number)
        with self.hub.lock:
            pr.state, pr.closed_at, pr.updated_at = "closed", stamp(), stamp()

    def merge_pull(self, full_name: str, number: int, *, by: str = "octocat") -> str:
        """A reviewer merges the PR: a merge commit (base tip, head tip) lands on the base branch."""
        who = self.add_user(by)
        repo, pr = self.repo(full_name), self.pull(full_name, number)
        with self.hub.lock:
            store = repo.store
            base_tip, head_tip = repo.refs[f"refs/heads/{pr.base_ref}"], pr.head_sha
            ancestor = store.merge_base(base_tip, head_tip)
            files = dict(store.flatten(store.commits[base_tip].tree))
            old = store.flatten(store.commits[ancestor].tree) if ancestor else {}
            new = store.flatten(store.commits[head_tip].tree)
            for path in set(old) | set(new):
                if old.get(path) != new.get(path):
                    if path in new:
                        files[path] = new[path]
                    else:
                        files.pop(path, None)
            message = f"Merge pull request #{number} from {repo.owner.login}/{pr.head_ref}\n\n{pr.title}"
            author = self.hub.signature(who)
            committer = Signature("GitHub", "noreply@github.com", author.date)
            sha = store.commit(store.build(files), [base_tip, head_tip], author, committer, message)
            repo.refs[f"refs/heads/{pr.base_ref}"] = sha
            now = stamp()
            pr.state, pr.merged, pr.merged_at, pr.closed_at, pr.updated_at = "closed", True, now, now, now
            pr.merged_by, pr.merge_commit_sha, pr.base_sha = who, sha, base_tip
            return sha
