from collections.abc import Callable
from datetime import datetime
from typing import Any

from babel import Locale
from flask import Flask

from .speaklater import LazyString

class Babel:
    def __init__(self, app: Flask | None = None, configure_jinja: bool = True) -> None: ...
    def init_app(
        self,
        app: Flask,
        default_locale: str = "en",
        default_domain: str = "messages",
        default_translation_directories: str = "translations",
        default_timezone: str = "UTC",
        locale_selector: Callable[[], str | None] | None = None,
        timezone_selector: Callable[[], str | None] | None = None,
    ) -> None: ...

def get_locale() -> Locale | None: ...
def refresh() -> None: ...
def get_translations() -> Any: ...  # babel.support.Translations or NullTranslations
def to_user_timezone(datetime: datetime) -> datetime: ...
def gettext(string: str, **variables: object) -> str: ...
def ngettext(singular: str, plural: str, num: int, **variables: object) -> str: ...
def lazy_gettext(string: str, **variables: object) -> LazyString: ...
