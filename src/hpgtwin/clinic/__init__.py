"""Clinical engine: phenotype, therapy fit, monitoring plan and alerts from one man's labs, rules as data.

The rules, thresholds and their sources live in ``clinic/data/rules.yaml``; this package evaluates them
(``conditions`` is a small safe evaluator, no ``eval``). For research and education; not a medical device.
"""

from __future__ import annotations

from hpgtwin.clinic.assessment import AUDIENCES, Assessment, assess
from hpgtwin.clinic.conditions import RuleDefinitionError, parse_condition
from hpgtwin.clinic.rulebook import FITS, Rule, RuleBook, load_rulebook

__all__ = ["AUDIENCES", "Assessment", "FITS", "Rule", "RuleBook", "RuleDefinitionError", "assess", "load_rulebook", "parse_condition"]
