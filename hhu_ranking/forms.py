"""Flask-WTF forms. Labels are Dutch source strings, translated lazily."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # new in 3.3, not in types-WTForms
from wtforms.i18n import messages_path
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from .i18n import local_today
from .labels import AGENDA_STATUS_LABELS, BALLOT_MODE_LABELS, MEETING_KIND_LABELS
from .models import BallotMode, MeetingKind
from .numbers import MAX_PLACE_DIGITS, ascii_int, ascii_int_or_none
from .services.text import clean_optional


class AsciiIntegerField(IntegerField):
    """An IntegerField that reads ASCII digits only, up to a database integer."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        negative = raw.startswith("-")
        try:
            number = ascii_int(raw[1:] if negative else raw)
        except ValueError as error:
            self.data = None
            raise ValueError(_("Vul een heel getal in, met de cijfers 0 tot 9.")) from error
        self.data = -number if negative else number


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class AppForm(FlaskForm):
    """Every form of the app: WTForms' own messages (Dutch by default) from a catalogue
    loaded once per language. Flask-WTF reads it from disk on every request that builds a
    form, a millisecond on each of the thousands of ballots of a festival hall."""

    class Meta:
        def get_translations(self, form: object) -> support.NullTranslations | None:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return None
            return _wtforms_catalogue(
                str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
            )


class LoginForm(AppForm):
    # a loose check on purpose: accounts on closed networks use addresses like x@hhu.local
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+$")],
    )
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Ingelogd blijven"))


# --- facilitator: sessions and rounds -------------------------------------------------------


def _optional_int(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    return ascii_int(value)


#: the facilitator's choice of join questions, in the words of the people who join
JOIN_QUESTION_CHOICES = [
    SelectChoice("partners", _l("Organisatie en bloedgroep: voor een bijeenkomst van partners")),
    SelectChoice(
        "festival",
        _l(
            "Festival: alleen ‘Waar kom je vandaan?’, met één tik voor inwoners en "
            "bezoekers; geen bloedgroep"
        ),
    ),
    SelectChoice("niets", _l("Niets: meteen stemmen")),
]


class SessionForm(AppForm):
    title = StringField(
        _l("Titel"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("Bijvoorbeeld: Netwerkbijeenkomst november"),
        filters=[clean_optional],
    )
    held_on = DateField(_l("Datum"), validators=[DataRequired()], default=local_today)
    kind = SelectField(
        _l("Soort bijeenkomst"),
        choices=[SelectChoice(k.value, label) for k, label in MEETING_KIND_LABELS.items()],
        default=MeetingKind.NETWORK.value,
    )
    #: choices are the coalitions in the database, filled in by the view
    coalition = SelectField(
        _l("Coalitie (niet verplicht)"), coerce=_optional_int, validate_choice=True
    )
    join_questions = RadioField(
        _l("Wat vraagt de telefoon bij het meedoen?"),
        choices=JOIN_QUESTION_CHOICES,
        default="partners",
        validators=[DataRequired()],
    )
    ask_names = BooleanField(
        _l("Vraag deelnemers om hun naam"),
        description=_l(
            "Alleen aanzetten als je namen echt nodig hebt, bijvoorbeeld voor een ronde op "
            "naam. Zonder dit vinkje vraagt de app geen naam."
        ),
    )


class CopySessionForm(AppForm):
    title = StringField(
        _l("Titel van de nieuwe sessie"),
        validators=[DataRequired(), Length(max=200)],
        filters=[clean_optional],
    )
    held_on = DateField(_l("Datum"), validators=[DataRequired()], default=local_today)


class CoFacilitatorForm(AppForm):
    """Add an account that may run this session too."""

    email = EmailField(
        _l("E-mailadres van een andere gespreksleider"),
        validators=[DataRequired(), Length(max=254)],
    )


class JoinQuestionsForm(AppForm):
    """What phones that join from now on are asked (services.sessions.JOIN_PRESETS)."""

    join_questions = RadioField(
        _l("Wat vraagt de telefoon bij het meedoen?"),
        choices=JOIN_QUESTION_CHOICES,
        validators=[DataRequired()],
    )


class JoinLimitsForm(AppForm):
    """Against ballot stuffing: at most so many participants, only these organisations."""

    max_participants = AsciiIntegerField(
        _l("Hoeveel deelnemers mogen er hoogstens meedoen?"),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
        description=_l("Leeg: geen maximum. Wie al meedoet, blijft meedoen."),
    )
    roster = TextAreaField(
        _l("Alleen deze organisaties mogen meedoen"),
        validators=[Length(max=60_000)],
        description=_l(
            "Eén organisatie per regel. Leeg: iedereen mag meedoen. Met een lijst kiest de "
            "telefoon alleen uit deze organisaties."
        ),
    )


class JoiningForm(AppForm):
    """Lock or unlock joining; the button says which."""

    locked = HiddenField(validators=[AnyOf(["0", "1"])])


class ActionForm(AppForm):
    """A button that only needs the CSRF check (open, close, delete)."""


class AskNamesForm(AppForm):
    """Turn asking names on or off for a session; the button says which."""

    ask = HiddenField(validators=[AnyOf(["0", "1"])])


class PrivacyTextForm(AppForm):
    body = TextAreaField(
        _l("Privacytekst"),
        validators=[DataRequired(), Length(max=20_000)],
        description=_l(
            "Gewone tekst: een lege regel begint een nieuwe alinea. Opmaak (HTML) wordt "
            "niet uitgevoerd maar als tekst getoond."
        ),
    )


class _RoundSettings:
    mode = RadioField(
        _l("Hoe rangschikken de deelnemers?"),
        choices=[SelectChoice(m.value, label) for m, label in BALLOT_MODE_LABELS.items()],
        default=BallotMode.FULL.value,
    )
    top_k = AsciiIntegerField(
        _l("Hoe groot is de top?"),
        validators=[Optional()],
        description=_l("Alleen bij een top-k: bijvoorbeeld 3 voor een top 3."),
    )
    results_live = BooleanField(
        _l("Laat de uitslag live zien op het grote scherm"),
        default=True,
        description=_l(
            "Uit: het scherm toont alleen hoeveel mensen gestemd hebben, tot je de ronde sluit."
        ),
    )
    anonymous = BooleanField(
        _l("Anoniem"),
        default=True,
        description=_l("Namen van deelnemers komen nooit in een export."),
    )
    org_voice = BooleanField(
        _l("Eén stem per organisatie"),
        description=_l(
            "Aan: de stemmen van één organisatie delen samen één stem. Uit: ieder één stem."
        ),
    )


class NewRoundForm(_RoundSettings, AppForm):
    #: "list-<id>" for a ready-made ballot, or "own"; choices are filled in by the view
    source = RadioField(_l("Waar komen de onderdelen vandaan?"), validators=[DataRequired()])
    title = StringField(
        _l("Titel van de ronde"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "Leeg laten bij een kant-en-klare lijst: dan krijgt de ronde de naam van de lijst."
        ),
        filters=[clean_optional],
    )
    items_text = TextAreaField(
        _l("Eigen onderdelen"),
        validators=[Optional(), Length(max=20000)],
        description=_l(
            "Eén onderdeel per regel (2 tot 30). Wil je een korte toelichting? "
            "Zet die achter een streep: Mensgericht | de gebruiker staat centraal"
        ),
        filters=[clean_optional],
    )


class ItemRowForm(Form):
    title = StringField(
        _l("Onderdeel"), validators=[Optional(), Length(max=200)], filters=[clean_optional]
    )
    explanation = StringField(
        _l("Toelichting (niet verplicht)"),
        validators=[Optional(), Length(max=300)],
        filters=[clean_optional],
    )
    catalogue_item_id = HiddenField(filters=[lambda v: v or None])


class EditRoundForm(_RoundSettings, AppForm):
    title = StringField(
        _l("Titel van de ronde"),
        validators=[DataRequired(), Length(max=200)],
        filters=[clean_optional],
    )
    items = FieldList(FormField(ItemRowForm), max_entries=60)


class RoundSettingsForm(AppForm):
    """What may still change once a round has opened."""

    title = StringField(
        _l("Titel van de ronde"),
        validators=[DataRequired(), Length(max=200)],
        filters=[clean_optional],
    )
    results_live = BooleanField(_l("Laat de uitslag live zien op het grote scherm"))
    anonymous = BooleanField(
        _l("Anoniem"), description=_l("Namen van deelnemers komen nooit in een export.")
    )
    # no weighting here: it is fixed once the round opens (services.rounds.update_settings)


# --- Partners on their phones -------------------------------------------------------------


def _int_or_none(value: object) -> int | None:
    """Coerce a select's value; the empty placeholder and anything not an id become None."""
    if value in (None, ""):
        return None
    return ascii_int_or_none(value)


class JoinForm(AppForm):
    """Joining a session: no account, just who you are here for."""

    # one text box with a <datalist> of partners: a partner's name picks the partner
    # (the service matches it case-insensitively), any other name counts as "another
    # organisation"
    organisation = StringField(
        _l("Organisatie"),
        validators=[DataRequired(_l("Kies je organisatie, of typ de naam."))],
        filters=[clean_optional, lambda v: " ".join(v.split()) if v else v],
        description=_l(
            "Begin te typen en kies uit de lijst. Staat je organisatie er niet bij? "
            "Typ dan de naam."
        ),
    )
    pillar = SelectField(
        _l("Je werkveld (bloedgroep)"),
        coerce=_int_or_none,
        validators=[DataRequired(_l("Kies je werkveld."))],
        validate_choice=False,
    )
    #: the one-tap buttons of a festival ("inwoner", "bezoeker"): services.participants
    quick = StringField(validators=[Optional(), AnyOf(["inwoner", "bezoeker"])])
    display_name = StringField(
        _l("Je naam (niet verplicht)"),
        validators=[Optional(), Length(max=120)],
        filters=[clean_optional, lambda v: v.strip() if v else v],
    )


class BallotForm(AppForm):
    """A ballot, posted two ways.

    With JavaScript the sorted list posts ``ranking=<item id>`` once per item,
    best first. Without it, each item has a number field ``pos-<item id>`` with its
    place (or 0 for "niet gekozen" in a top-k round); :meth:`chosen_order`
    turns either into item ids, best first. Whether that is a valid ballot for
    the round is the ballot service's decision.
    """

    round_id = AsciiIntegerField(widget=HiddenInput(), validators=[DataRequired()])
    ranking = SelectMultipleField(coerce=ascii_int, validate_choice=False)

    def chosen_order(self, item_ids: list[int], formdata: Mapping[str, str]) -> list[int]:
        """Item ids best first; raises ValueError with a Dutch message on double places."""
        if self.ranking.data:
            return list(self.ranking.data)

        places: dict[int, int] = {}
        for item_id in item_ids:
            raw = formdata.get(f"pos-{item_id}", "").strip()
            try:
                place = ascii_int(raw, max_digits=MAX_PLACE_DIGITS) if raw else 0
            except ValueError as error:
                raise ValueError(_("Vul bij elk onderdeel een getal in.")) from error
            if place > 0:
                places[item_id] = place
        seen: dict[int, int] = {}
        for item_id, place in places.items():
            if place in seen:
                raise ValueError(
                    _(
                        "Twee onderdelen staan op plaats %(place)s. Geef elk onderdeel "
                        "een eigen plaats.",
                        place=place,
                    )
                )
            seen[place] = item_id
        return [seen[p] for p in sorted(seen)]


# --- kerngroep: the coalition agenda --------------------------------------------------------


class AgendaEntryForm(AppForm):
    """Adopt an outcome item into an agenda, or edit an entry. Choices are set by the view."""

    coalition_id = SelectField(_l("Coalitie"), coerce=ascii_int, validators=[DataRequired()])
    phase_id = SelectField(_l("Fase"), coerce=ascii_int, validators=[DataRequired()])
    year = AsciiIntegerField(
        _l("Jaar"), validators=[DataRequired(), NumberRange(min=2000, max=2100)]
    )
    owner = StringField(
        _l("Trekker"),
        validators=[Optional(), Length(max=120)],
        description=_l("Wie neemt dit mee? Een naam of organisatie."),
        filters=[clean_optional],
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(s.value, label) for s, label in AGENDA_STATUS_LABELS.items()],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Notitie"), validators=[Optional(), Length(max=4000)], filters=[clean_optional]
    )


class AgendaMoveForm(AppForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class CoalitionForm(AppForm):
    name = StringField(
        _l("Naam van de coalitie"),
        validators=[DataRequired(), Length(max=200)],
        filters=[clean_optional],
    )
    description = TextAreaField(
        _l("Korte omschrijving"),
        validators=[Optional(), Length(max=2000)],
        filters=[clean_optional],
    )


class BallotImportForm(AppForm):
    """A file of paper ballots (CSV) or another tool's ballots (PrefLib) for an open round."""

    file = FileField(
        _l("Bestand (.csv, .soc, .soi, .toc of .toi)"),
        validators=[FileRequired(_l("Kies een bestand."))],
    )
