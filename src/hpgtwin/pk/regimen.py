"""Regimen text -> dose events: the grammar users write therapy in, e.g. ``"anastrozole 1 mg daily"``.

Grammar (case-insensitive)::

    regimen  := course ('+' course)*              courses run in parallel from day 0
    course   := phase ('then' phase)*             phases run one after the other
    phase    := 'none' [duration]
              | [drug] dose unit [route] schedule [route] [duration]
    duration := 'for' number ('days'|'weeks'|'hours')   (or 'x 12 weeks'); every phase but the last needs one

A phase without a drug name continues the previous phase's drug (``"anastrozole 1 mg daily for 4 weeks then
0.5 mg twice weekly"``). Units: mg, g, ug/mcg (drugs dosed by mass, stored in mg) or IU (hCG, FSH).
Schedules: ``daily``/``qd``, ``bid``/``twice daily``, ``tid``, ``every other day``/``eod``, ``weekly``,
``twice weekly``, ``3x/week``, ``N times weekly``, ``every 2 weeks``/``every other week``, ``every N
days|hours|min`` (``gonadorelin 10 ug every 90 min``: a pulsatile pump), ``once``.

Drug names: the keys and aliases of ``params/drugs.yaml`` (Arimidex, Femara, Clomid, Androxal, Nolvadex,
Pregnyl, Ovidrel, Gonal-f, AndroGel, ...). "TRT" means testosterone cypionate (the commonest injectable
TRT); plain "testosterone" is ambiguous and rejected with the three choices. Routes (``im``, ``sc``, ``oral``,
``iv``, ``transdermal``) are optional and checked against the drug's routes; the default route is the one
the table names (``default_route``). ``DoseEvents.route`` gives each dose's route; ``DoseEvents.dose_key``
tags non-default routes as ``"hcg@im"``.

Placement (documented choice): the first dose of a phase is at the phase start (hour 0 of its first day).
Interval schedules repeat every interval. ``k`` doses per week fall on whole days ``floor(7 i / k)`` of each
week, as clinics prescribe them: twice weekly = days 0 and 3 (Mon/Thu), 3x/week = days 0, 2, 4 (Mon/Wed/Fri).
``dose_events(days)`` keeps doses at ``0 <= t < 24 * days`` hours.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from hpgtwin.errors import InputError, RegimenSyntaxError
from hpgtwin.pk.drugs import DRUGS, drug_names

HOURS_PER_DAY = 24.0
HOURS_PER_WEEK = 168.0
MAX_DOSES = 5_000_000  # per phase; e.g. a GnRH pump every 90 min for 100 years is 584,000 (memory guard)

_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)|(?P<word>[^\W\d_][\w\-]*)|(?P<sym>\S)"
)

_MASS_UNITS_MG = {
    "mg": 1.0,
    "milligram": 1.0,
    "milligrams": 1.0,
    "g": 1000.0,
    "gram": 1000.0,
    "grams": 1000.0,
    "ug": 1.0e-3,
    "mcg": 1.0e-3,
    "microgram": 1.0e-3,
    "micrograms": 1.0e-3,
}
_IU_UNITS = {"iu", "ui", "units", "unit", "u"}
_ROUTES = {
    "im": "im",
    "intramuscular": "im",
    "intramuscularly": "im",
    "sc": "sc",
    "subq": "sc",
    "sq": "sc",
    "subcutaneous": "sc",
    "subcutaneously": "sc",
    "sub-q": "sc",
    "oral": "oral",
    "orally": "oral",
    "po": "oral",
    "iv": "iv",
    "intravenous": "iv",
    "intravenously": "iv",
    "transdermal": "transdermal",
    "topical": "transdermal",
    "topically": "transdermal",
}
_NONE_WORDS = {"none", "nothing", "off", "pause", "washout", "placebo"}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_COUNT_WORDS = {"once": 1, "twice": 2, "thrice": 3}
_PERIOD_H = {
    "min": 1.0 / 60.0,
    "mins": 1.0 / 60.0,
    "minute": 1.0 / 60.0,
    "minutes": 1.0 / 60.0,
    "h": 1.0,
    "hr": 1.0,
    "hrs": 1.0,
    "hour": 1.0,
    "hours": 1.0,
    "d": 24.0,
    "day": 24.0,
    "days": 24.0,
    "w": 168.0,
    "wk": 168.0,
    "wks": 168.0,
    "week": 168.0,
    "weeks": 168.0,
}
_DAY_WORDS = {"day", "daily", "d", "days"}
_WEEK_WORDS = {"week", "weekly", "wk", "w", "weeks"}
_FIXED_SCHEDULES = {
    ("daily",): ("interval", 24.0),
    ("qd",): ("interval", 24.0),
    ("od",): ("interval", 24.0),
    ("nightly",): ("interval", 24.0),
    ("every", "day"): ("interval", 24.0),
    ("every", "morning"): ("interval", 24.0),
    ("every", "night"): ("interval", 24.0),
    ("each", "day"): ("interval", 24.0),
    ("bid",): ("interval", 12.0),
    ("tid",): ("interval", 8.0),
    ("qid",): ("interval", 6.0),
    ("eod",): ("interval", 48.0),
    ("qod",): ("interval", 48.0),
    ("every", "other", "day"): ("interval", 48.0),
    ("every", "second", "day"): ("interval", 48.0),
    ("on", "alternate", "days"): ("interval", 48.0),
    ("alternate", "days"): ("interval", 48.0),
    ("weekly",): ("weekly", 1),
    ("qw",): ("weekly", 1),
    ("every", "week"): ("weekly", 1),
    ("each", "week"): ("weekly", 1),
    ("biw",): ("weekly", 2),
    ("tiw",): ("weekly", 3),
    ("every", "other", "week"): ("interval", 336.0),
    ("every", "second", "week"): ("interval", 336.0),
    ("fortnightly",): ("interval", 336.0),
    ("once",): ("once", 0),
    ("single", "dose"): ("once", 0),
    ("stat",): ("once", 0),
}
_AMBIGUOUS = {
    "biweekly": "'biweekly' is ambiguous: write 'twice weekly' or 'every 2 weeks'",
    "bimonthly": "'bimonthly' is ambiguous: write 'every 2 weeks' or 'every 8 weeks'",
    "monthly": "'monthly' is not a fixed interval: write 'every 4 weeks'",
    "month": "months are not a fixed interval: use weeks",
    "months": "months are not a fixed interval: use weeks",
    "prn": "'prn' (as needed) has no schedule to simulate",
}


@dataclass(frozen=True)
class Token:
    """One lexical token of the regimen text, with its position for error messages."""

    text: str
    kind: Literal["num", "word", "sym"]
    start: int
    raw: str = ""


@dataclass(frozen=True)
class Schedule:
    """When doses fall within a phase: every ``interval_h``, on fixed days of each week, or once."""

    kind: Literal["interval", "weekly", "once"]
    interval_h: float = 0.0
    per_week: int = 0

    @property
    def week_offsets_h(self) -> tuple[float, ...]:
        """Dose times within each week for a weekly schedule: whole days floor(7 i / k), in hours."""
        return tuple(HOURS_PER_DAY * math.floor(7 * i / self.per_week) for i in range(self.per_week))

    def times_h(self, start_h: float, stop_h: float) -> np.ndarray:
        """Dose times in [start_h, stop_h) (hours), first dose at start_h."""
        if stop_h <= start_h:
            return np.empty(0)
        if self.kind == "once":
            return np.array([start_h])
        if self.kind == "interval":
            n = math.ceil((stop_h - start_h) / self.interval_h - 1e-9)
            if n > MAX_DOSES:
                raise InputError(
                    f"{self.text} over {(stop_h - start_h) / 24:g} days is {n} doses (max {MAX_DOSES})"
                )
            times = start_h + self.interval_h * np.arange(n)
        else:
            n_weeks = math.ceil((stop_h - start_h) / HOURS_PER_WEEK)
            weeks = start_h + HOURS_PER_WEEK * np.arange(n_weeks)
            times = (weeks[:, None] + np.asarray(self.week_offsets_h)[None, :]).ravel()
        return times[times < stop_h - 1e-9]

    @property
    def text(self) -> str:
        """Canonical text, parseable back to the same schedule."""
        if self.kind == "once":
            return "once"
        if self.kind == "weekly":
            return {1: "weekly", 2: "twice weekly"}.get(self.per_week, f"{self.per_week}x/week")
        return _interval_text(self.interval_h)


def _fmt(x: float) -> str:
    """A number without trailing zeros (repr-exact up to 12 significant digits)."""
    return f"{x:.12g}"


def _interval_text(h: float) -> str:
    """Canonical text of a repeat interval in hours."""
    named = {24.0: "daily", 12.0: "twice daily", 48.0: "every other day", 168.0: "weekly"}
    if h in named and h != 168.0:
        return named[h]
    return "every " + _duration_text(h)


def _duration_text(h: float) -> str:
    """Canonical text of a duration in hours (weeks, days, hours or minutes)."""
    for size, unit in ((HOURS_PER_WEEK, "weeks"), (HOURS_PER_DAY, "days"), (1.0, "hours")):
        count = h / size
        if abs(count - round(count)) < 1e-9 and round(count) > 0:
            n = int(round(count))
            return f"{n} {unit if n != 1 else unit[:-1]}"
    return f"{_fmt(h * 60.0)} min"


@dataclass(frozen=True)
class Phase:
    """One stretch of a course: a drug at a dose, route and schedule (``drug`` None = no treatment)."""

    drug: str | None
    amount: float
    route: str | None
    schedule: Schedule | None
    duration_h: float | None

    @property
    def text(self) -> str:
        """Canonical text, parseable back to the same phase."""
        tail = f" for {_duration_text(self.duration_h)}" if self.duration_h is not None else ""
        if self.drug is None:
            return "none" + tail
        drug = DRUGS[self.drug]
        dose = f"{_fmt(self.amount)} {drug.dose_unit}"
        if drug.dose_unit == "mg" and 0 < self.amount < 0.1:
            dose = f"{_fmt(self.amount * 1000.0)} ug"
        route = f" {self.route}" if self.route != drug.default_route else ""
        return f"{self.drug.replace('_', ' ')} {dose}{route} {self.schedule.text}{tail}"


@dataclass(frozen=True)
class Course:
    """Phases given one after another (separated by 'then'); courses joined by '+' run in parallel."""

    phases: tuple[Phase, ...]

    @property
    def text(self) -> str:
        """Canonical text of the course."""
        return " then ".join(p.text for p in self.phases)


@dataclass(frozen=True)
class DoseEvents:
    """Doses as arrays sorted by time: ``time_h``, ``drug`` (key), ``amount`` (drug's dose unit), ``route``."""

    time_h: np.ndarray
    drug: np.ndarray
    amount: np.ndarray
    route: np.ndarray

    def __len__(self) -> int:
        return int(self.time_h.size)

    @property
    def dose_key(self) -> np.ndarray:
        """Per dose: the drug key for its default route, ``"drug@route"`` otherwise (e.g. ``"hcg@im"``), so a
        model can give a non-default route its own absorption depot (DoseTarget.drug = "hcg@im")."""
        keys = [
            d if r == DRUGS[d].default_route else f"{d}@{r}"
            for d, r in zip(self.drug, self.route, strict=True)
        ]
        return np.asarray(keys, dtype=str) if keys else np.empty(0, dtype=str)

    def for_drug(self, drug: str) -> DoseEvents:
        """The events of one drug (key)."""
        keep = self.drug == drug
        return DoseEvents(self.time_h[keep], self.drug[keep], self.amount[keep], self.route[keep])


@dataclass(frozen=True)
class Regimen:
    """A parsed regimen: parallel courses of sequential phases; ``text`` is what the user wrote."""

    text: str
    courses: tuple[Course, ...]

    @property
    def canonical(self) -> str:
        """Normalised text that parses back to an equal regimen ('none' when there is no treatment)."""
        return " + ".join(c.text for c in self.courses) or "none"

    def __str__(self) -> str:
        return self.canonical

    @property
    def drugs(self) -> frozenset[str]:
        """Keys of every drug the regimen doses."""
        return frozenset(p.drug for c in self.courses for p in c.phases if p.drug is not None)

    def dose_events(self, days: float) -> DoseEvents:
        """Every dose in the first ``days`` days (0 <= t < 24*days h), sorted by time (stable in course order)."""
        if not isinstance(days, numbers.Real) or not math.isfinite(days) or days < 0:
            raise InputError(f"days must be a finite number >= 0, got {days!r}")
        stop_h = float(days) * HOURS_PER_DAY
        times, drugs, amounts, routes = [], [], [], []
        for course in self.courses:
            start = 0.0
            for phase in course.phases:
                end = stop_h if phase.duration_h is None else min(stop_h, start + phase.duration_h)
                if phase.drug is not None:
                    t = phase.schedule.times_h(start, end)
                    times.append(t)
                    drugs.append(np.full(t.size, phase.drug, dtype=object))
                    amounts.append(np.full(t.size, phase.amount))
                    routes.append(np.full(t.size, phase.route, dtype=object))
                if phase.duration_h is None:
                    break
                start += phase.duration_h
        if not times:
            return DoseEvents(np.empty(0), np.empty(0, dtype=str), np.empty(0), np.empty(0, dtype=str))
        time_h = np.concatenate(times)
        order = np.argsort(time_h, kind="stable")
        return DoseEvents(
            time_h[order],
            np.concatenate(drugs)[order].astype(str),
            np.concatenate(amounts)[order],
            np.concatenate(routes)[order].astype(str),
        )

    def _map_phases(self, change) -> Regimen:
        """A new regimen with ``change(phase)`` applied to every dosed phase; text becomes canonical."""
        courses = tuple(
            Course(tuple(change(p) if p.drug is not None else p for p in c.phases)) for c in self.courses
        )
        new = Regimen(text="", courses=courses)
        return replace(new, text=new.canonical)

    def scaled(self, factor: float) -> Regimen:
        """Every dose multiplied by ``factor`` (>= 0), for dose finding."""
        if not (math.isfinite(factor) and factor >= 0):
            raise InputError(f"dose scale factor must be a finite number >= 0, got {factor!r}")
        return self._map_phases(lambda p: replace(p, amount=p.amount * factor))

    def with_dose(self, drug: str, amount: float) -> Regimen:
        """Every phase of ``drug`` (key or alias) set to ``amount`` in the drug's dose unit."""
        key = drug_names().get(drug.strip().lower())
        if key is None or key not in self.drugs:
            raise InputError(f"drug {drug!r} is not in the regimen {self.canonical!r}")
        if not (math.isfinite(amount) and amount >= 0):
            raise InputError(f"dose must be a finite number >= 0, got {amount!r}")
        return self._map_phases(lambda p: replace(p, amount=float(amount)) if p.drug == key else p)


def parse_regimen(text: str) -> Regimen:
    """Parse regimen text into a :class:`Regimen`; raises RegimenSyntaxError naming the bad token."""
    if not isinstance(text, str):
        raise RegimenSyntaxError(f"regimen must be text, got {type(text).__name__}")
    source = text.strip()
    tokens = _tokenize(source)
    if not tokens:
        raise RegimenSyntaxError("empty regimen: write e.g. 'anastrozole 1 mg daily' or 'none'")
    courses = []
    for group in _split(tokens, source, lambda t: t.text == "+", "+"):
        phases = _split(group, source, lambda t: t.text == "then", "then")
        parsed: list[Phase] = []
        for i, ptoks in enumerate(phases):
            previous = parsed[-1].drug if parsed else None
            phase = _Parser(ptoks, source).phase(previous)
            if phase.duration_h is None and i < len(phases) - 1:
                raise RegimenSyntaxError(
                    f"phase before 'then' needs a duration ('for 12 weeks') near {_quote(ptoks[-1])} in {source!r}"
                )
            parsed.append(phase)
        if all(p.drug is None for p in parsed) and len(parsed) == 1 and parsed[0].duration_h is None:
            continue
        courses.append(Course(tuple(parsed)))
    return Regimen(text=source, courses=tuple(courses))


def _quote(token: Token) -> str:
    """A token as the user wrote it, for error messages."""
    return repr(token.raw or token.text)


def _tokenize(text: str) -> list[Token]:
    """Split regimen text into number, word and symbol tokens (lower case; '1,500' is one number)."""
    norm = text.lower().replace("µ", "u").replace("μ", "u").replace("×", "x")
    same_length = len(norm) == len(text)
    tokens = []
    for m in _TOKEN.finditer(norm):
        kind, word, start = m.lastgroup, m.group(), m.start()
        raw = text[start : m.end()] if same_length else word
        if kind == "num":
            word = word.replace(",", "")
        elif kind == "word":
            q = re.fullmatch(r"q(\d+)h", word)
            if q:
                tokens += [
                    Token("every", "word", start, raw),
                    Token(q.group(1), "num", start, raw),
                    Token("h", "word", start, raw),
                ]
                continue
        tokens.append(Token(word, kind, start, raw))
    return tokens


def _split(tokens: list[Token], source: str, is_sep, name: str) -> list[list[Token]]:
    """Split tokens at separators; an empty part is an error naming the separator."""
    parts: list[list[Token]] = [[]]
    for tok in tokens:
        if is_sep(tok):
            if not parts[-1]:
                raise RegimenSyntaxError(f"nothing before {name!r} in {source!r}")
            parts.append([])
        else:
            parts[-1].append(tok)
    if not parts[-1]:
        raise RegimenSyntaxError(f"nothing after {name!r} in {source!r}")
    return parts


class _Parser:
    """Recursive-descent parser of one phase's tokens."""

    def __init__(self, tokens: list[Token], source: str):
        self.toks = tokens
        self.pos = 0
        self.source = source

    def peek(self, k: int = 0) -> Token | None:
        """The token ``k`` ahead, or None past the end."""
        i = self.pos + k
        return self.toks[i] if i < len(self.toks) else None

    def words(self, n: int) -> tuple[str, ...]:
        """The next ``n`` token texts (shorter at the end)."""
        return tuple(t.text for t in self.toks[self.pos : self.pos + n])

    def error(self, message: str, token: Token | None = None) -> RegimenSyntaxError:
        """A RegimenSyntaxError naming ``token`` (or the end of the text)."""
        where = f"at {_quote(token)}" if token is not None else "at the end"
        return RegimenSyntaxError(f"{message} {where} in {self.source!r}")

    def phase(self, previous_drug: str | None) -> Phase:
        """phase := 'none' [duration] | [drug] dose unit [route] schedule [route] [duration]."""
        first = self.peek()
        if first.text in _NONE_WORDS or self.words(2) == ("no", "treatment"):
            self.pos += 2 if first.text == "no" else 1
            duration = self.duration()
            self.expect_end()
            return Phase(drug=None, amount=0.0, route=None, schedule=None, duration_h=duration)
        drug = self.drug(previous_drug)
        amount = self.dose(drug)
        route = self.route(drug, None)
        schedule = self.schedule()
        route = self.route(drug, route)
        duration = self.duration()
        self.expect_end()
        return Phase(
            drug=drug,
            amount=amount,
            route=route or DRUGS[drug].default_route,
            schedule=schedule,
            duration_h=duration,
        )

    def drug(self, previous: str | None) -> str:
        """The longest run of words naming a drug (key or alias); none -> the previous phase's drug."""
        names = drug_names()
        first = self.peek()
        if first.kind == "num":
            if previous is None:
                raise self.error("missing drug name before the dose", first)
            return previous
        for n in (4, 3, 2, 1):
            words = self.toks[self.pos : self.pos + n]
            if len(words) == n and all(t.kind != "num" for t in words):
                name = " ".join(t.text for t in words)
                if name in names:
                    self.pos += n
                    return names[name]
        unknown = []
        while self.peek() is not None and self.peek().kind == "word":
            unknown.append(self.peek().text)
            self.pos += 1
        if not unknown:
            raise self.error("expected a drug name", first)
        name = " ".join(unknown)
        hint = (
            " (say testosterone cypionate, testosterone enanthate or testosterone gel)"
            if name.startswith("testosterone")
            else f" (known: {', '.join(sorted(DRUGS))})"
        )
        raise RegimenSyntaxError(f"unknown drug {name!r}{hint} in {self.source!r}")

    def number(self, what: str) -> float:
        """A non-negative number token."""
        tok = self.peek()
        if tok is None or tok.kind != "num":
            raise self.error(f"expected {what}", tok)
        self.pos += 1
        return float(tok.text)

    def dose(self, drug: str) -> float:
        """dose unit, converted to the drug's dose unit (mg or IU)."""
        amount = self.number("a dose (number)")
        tok = self.peek()
        if tok is None or tok.kind != "word":
            raise self.error("expected a dose unit (mg, ug, g or IU)", tok)
        unit = tok.text
        dose_unit = DRUGS[drug].dose_unit
        if unit in _MASS_UNITS_MG:
            if dose_unit != "mg":
                raise self.error(f"{drug} is dosed in IU, not by mass", tok)
            amount *= _MASS_UNITS_MG[unit]
        elif unit in _IU_UNITS:
            if dose_unit != "IU":
                raise self.error(f"{drug} is dosed by mass (mg), not in IU", tok)
        else:
            raise self.error("unknown dose unit (use mg, ug, g or IU)", tok)
        self.pos += 1
        return amount

    def route(self, drug: str, current: str | None) -> str | None:
        """An optional route word, checked against the drug's routes; pump/via/by words are skipped."""
        tok = self.peek()
        while tok is not None and tok.text in {"by", "via", "pump"} and self.words(2) != ("by", "mouth"):
            self.pos += 1
            tok = self.peek()
        if self.words(2) == ("by", "mouth"):
            self.pos += 2
            name, tok = "oral", self.toks[self.pos - 2]
        elif tok is not None and tok.text in _ROUTES:
            name = _ROUTES[tok.text]
            self.pos += 1
        else:
            return current
        routes = DRUGS[drug].routes
        if name not in routes:
            raise self.error(f"{drug} has no route {name!r} (routes: {', '.join(routes)})", tok)
        if current is not None and current != name:
            raise self.error(f"two different routes ({current}, {name})", tok)
        return name

    def schedule(self) -> Schedule:
        """One schedule phrase (daily, twice weekly, 3x/week, every 90 min, once, ...)."""
        tok = self.peek()
        if tok is None:
            raise self.error("missing schedule (e.g. daily, weekly, 3x/week, every other day, once)", None)
        if tok.text in _AMBIGUOUS:
            raise self.error(_AMBIGUOUS[tok.text], tok)
        if tok.text == "/" or (
            tok.text == "per" and self.peek(1) is not None and self.peek(1).kind == "word"
        ):
            period = self.peek(1)
            if period is not None and period.text in _DAY_WORDS:
                self.pos += 2
                return Schedule("interval", interval_h=24.0)
            if period is not None and period.text in _WEEK_WORDS:
                self.pos += 2
                return Schedule("weekly", per_week=1)
            raise self.error("expected day or week after '/'", period)
        if tok.text == "once" and self.peek(1) is not None and self.peek(1).text == "every":
            self.pos += 1
            tok = self.peek()
        count = None
        if tok.kind == "num" or tok.text in _NUMBER_WORDS:
            count_tok = tok
            nxt = self.peek(1)
            if nxt is not None and nxt.text in {"x", "times"}:
                count = float(tok.text) if tok.kind == "num" else float(_NUMBER_WORDS[tok.text])
                self.pos += 2
        elif tok.text in _COUNT_WORDS:
            nxt = self.peek(1)
            if nxt is not None and (
                nxt.text in _DAY_WORDS | _WEEK_WORDS | {"a", "per", "each", "/", "every"}
            ):
                count_tok = tok
                count = float(_COUNT_WORDS[tok.text])
                self.pos += 1
        if count is not None:
            return self.frequency(count, count_tok)
        for words, (kind, value) in sorted(_FIXED_SCHEDULES.items(), key=lambda kv: -len(kv[0])):
            if self.words(len(words)) == words:
                self.pos += len(words)
                if kind == "interval":
                    return Schedule("interval", interval_h=value)
                if kind == "weekly":
                    return Schedule("weekly", per_week=value)
                return Schedule("once")
        if tok.text == "every":
            self.pos += 1
            return self.every(tok)
        raise self.error("unknown schedule (e.g. daily, weekly, 3x/week, every other day, once)", tok)

    def frequency(self, count: float, count_tok: Token) -> Schedule:
        """'<count> times' followed by per day / per week."""
        while self.peek() is not None and self.peek().text in {"/", "a", "per", "each", "every"}:
            self.pos += 1
        period = self.peek()
        if period is None or period.text not in _DAY_WORDS | _WEEK_WORDS:
            raise self.error("expected 'daily' or 'weekly' after the dose count", period)
        self.pos += 1
        if count != int(count) or count < 1:
            raise self.error("doses per period must be a whole number >= 1", count_tok)
        k = int(count)
        if period.text in _DAY_WORDS:
            return Schedule("interval", interval_h=HOURS_PER_DAY / k)
        if k > 7:
            raise self.error("more than 7 doses a week: write it per day or as 'every N hours'", count_tok)
        return Schedule("weekly", per_week=k) if k < 7 else Schedule("interval", interval_h=24.0)

    def every(self, every_tok: Token) -> Schedule:
        """'every' N unit (min, hours, days, weeks)."""
        tok = self.peek()
        if tok is not None and tok.text in _AMBIGUOUS:
            raise self.error(_AMBIGUOUS[tok.text], tok)
        n = 1.0
        if tok is not None and tok.kind == "num":
            n = self.number("a number")
        elif tok is not None and tok.text in _NUMBER_WORDS:
            n = float(_NUMBER_WORDS[tok.text])
            self.pos += 1
        unit = self.peek()
        if unit is None or unit.text not in _PERIOD_H:
            if unit is not None and unit.text in _AMBIGUOUS:
                raise self.error(_AMBIGUOUS[unit.text], unit)
            raise self.error("expected min, hours, days or weeks after 'every'", unit or every_tok)
        self.pos += 1
        interval = n * _PERIOD_H[unit.text]
        if interval <= 0:
            raise self.error("the dosing interval must be > 0", tok)
        if interval < 1.0 / 60.0 - 1e-12:
            raise self.error("the dosing interval must be at least 1 min", tok)
        return Schedule("interval", interval_h=interval)

    def duration(self) -> float | None:
        """Optional 'for N days|weeks|hours' (or 'x N weeks'), in hours."""
        tok = self.peek()
        if tok is None or tok.text not in {"for", "x"}:
            return None
        self.pos += 1
        n = self.number("a duration (number)")
        unit = self.peek()
        if unit is not None and unit.text in _AMBIGUOUS:
            raise self.error(_AMBIGUOUS[unit.text], unit)
        if unit is None or unit.text not in _PERIOD_H:
            raise self.error("expected days, weeks or hours after the duration", unit)
        self.pos += 1
        hours = n * _PERIOD_H[unit.text]
        if hours <= 0:
            raise self.error("a phase duration must be > 0", tok)
        return hours

    def expect_end(self) -> None:
        """Raise naming the first token left over after a complete phase."""
        tok = self.peek()
        if tok is not None:
            if tok.text in _AMBIGUOUS:
                raise self.error(_AMBIGUOUS[tok.text], tok)
            raise self.error("unexpected token", tok)
