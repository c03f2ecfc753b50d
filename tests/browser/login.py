"""Signing in through the real login form, as the browser tests' facilitators do."""

from __future__ import annotations

import re
from typing import Any


def log_in(page: Any, base: str, account: tuple[str, str]) -> None:
    """Sign in through the login form, as a facilitator would, and wait for the dashboard."""
    page.goto(f"{base}/auth/login")
    page.locator("input[name=email]").fill(account[0])
    page.locator("input[name=password]").fill(account[1])
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/beheer/?$"))
