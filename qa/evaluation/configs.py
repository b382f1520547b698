"""The rows an evaluation compares: named configurations and one ablation per answer strategy.

A configuration is a name and the Settings fields it changes. `default` changes nothing: it is the
product as the command line's settings make it. An ablation switches one answer strategy off
through `Settings.disabled_strategies`; the names come from `qa.answer.strategies.STRATEGY_NAMES`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qa.config import DEFAULT_GENERATOR
from qa.errors import InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalConfig:
    """One row of the comparison: a name and the Settings fields it changes."""

    name: str
    settings_overrides: dict[str, Any] = field(default_factory=dict)
    ablation: str = ""  # the answer strategy this row switches off, if it is an ablation row


DEFAULT = EvalConfig("default")


def named_configs() -> list[EvalConfig]:
    """`default`, the plain baseline, generator variants, then retrieval variants.

    Retrieval variants answer extractively, so their rows differ only by retrieval. The
    `always` rows take seconds a question on 2 cores (the generator writes every answer).
    """
    verified = {"pipeline": "verified", "generator_model": DEFAULT_GENERATOR, "retrieval": "hybrid"}
    always = {**verified, "generate": "always"}  # the generator writes every answer, verified after
    extractive = {"pipeline": "verified", "generator_model": "none"}
    return [
        DEFAULT,
        EvalConfig(
            "baseline-plain",
            {"pipeline": "plain", "retrieval": "dense", "top_k": 3, "generator_model": DEFAULT_GENERATOR},
        ),
        EvalConfig("verified-hybrid", verified),
        EvalConfig("verified-hybrid-always", {**always, "generator_backend": "transformers"}),
        EvalConfig("verified-hybrid-always-llama-cpp", {**always, "generator_backend": "llama-cpp"}),
        EvalConfig(
            "verified-hybrid-always-smollm2", {**always, "generator_model": "packaged:smollm2-135m-instruct"}
        ),
        EvalConfig("verified-hybrid-extractive", {**extractive, "retrieval": "hybrid"}),
        EvalConfig("verified-dense-extractive", {**extractive, "retrieval": "dense"}),
        EvalConfig("verified-bm25-extractive", {**extractive, "retrieval": "bm25"}),
    ]


def select_configs(
    names: Sequence[str] | None, configs: Sequence[EvalConfig] | None = None
) -> list[EvalConfig]:
    """The configs with these names, in the order given; just `default` if `names` is empty."""
    configs = list(configs) if configs is not None else named_configs()
    if not names:
        return [DEFAULT]
    by_name = {c.name: c for c in configs}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise InputError(f"unknown eval config {', '.join(unknown)}; choose from {', '.join(by_name)}")
    return [by_name[n] for n in dict.fromkeys(names)]


def strategy_names() -> tuple[str, ...]:
    """The answer layer's strategy names, or () while it has none to switch off."""
    try:
        from qa.answer.strategies import STRATEGY_NAMES
    except ImportError:
        return ()
    return tuple(STRATEGY_NAMES)


def ablation_configs(spec: str, known: Sequence[str] | None = None) -> list[EvalConfig]:
    """One row per strategy switched off: `spec` is "" (none), "all", or names joined by commas.

    >>> [c.name for c in ablation_configs("b,a", known=("a", "b", "c"))]
    ['no-b', 'no-a']
    >>> ablation_configs("a", known=("a",))[0].settings_overrides
    {'disabled_strategies': 'a'}
    """
    known = strategy_names() if known is None else tuple(known)
    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    if wanted == ["all"]:
        if not known:
            log.warning("no ablation rows: the answer layer lists no strategies (qa.answer.strategies)")
        wanted = list(known)
    unknown = [n for n in wanted if known and n not in known]
    if unknown:
        raise InputError(f"unknown answer strategy {', '.join(unknown)}; choose from all, {', '.join(known)}")
    return [EvalConfig(f"no-{n}", {"disabled_strategies": n}, ablation=n) for n in dict.fromkeys(wanted)]
