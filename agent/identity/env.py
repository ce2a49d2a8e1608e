"""Token source ``env``: a token the user put in an environment variable (its name is config)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from agent.identity.token import AccessToken, IdentityError, from_value


@dataclass(frozen=True)
class EnvToken:
    """Reads the variable on every call, so a token rotated in the environment is picked up."""

    env_var: str
    name: str = "env"

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken:
        value = os.environ.get(self.env_var, "")
        if not value:
            raise IdentityError(
                f"token source 'env': environment variable {self.env_var} is not set"
                " (it should hold the target's token)"
            )
        return from_value(value, audience, scopes, expires_in=None)
