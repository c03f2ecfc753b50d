from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Flask
from werkzeug.local import LocalProxy

_P = ParamSpec("_P")
_R = TypeVar("_R")
_Loader = TypeVar("_Loader", bound=Callable[[str], UserMixin | None])

# flask_login defines the two classes apart; the shared properties are declared once here
class _UserFlags:
    @property
    def is_active(self) -> bool: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_anonymous(self) -> bool: ...

class UserMixin(_UserFlags):
    def get_id(self) -> str: ...

class AnonymousUserMixin(_UserFlags):
    def get_id(self) -> None: ...

class LoginManager:
    login_view: str | None
    login_message: str | None
    def __init__(self, app: Flask | None = None, add_context_processor: bool = True) -> None: ...
    def init_app(self, app: Flask, add_context_processor: bool = True) -> None: ...
    def user_loader(self, callback: _Loader) -> _Loader: ...

#: the logged-in user, or an anonymous one
current_user: LocalProxy[UserMixin | AnonymousUserMixin]

def login_required(func: Callable[_P, _R]) -> Callable[_P, _R]: ...
def login_user(
    user: UserMixin,
    remember: bool = False,
    duration: object = None,
    force: bool = False,
    fresh: bool = True,
) -> bool: ...
def logout_user() -> bool: ...
