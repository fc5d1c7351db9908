"""Dataclasses to JSON and back, so summaries are stored as data (never pickled: a database
row must not be able to run code) and rebuilt as the same typed objects the templates use."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime
from typing import Any, TypeVar, Union

T = TypeVar("T")


def dumps(value: Any) -> str:
    return json.dumps(_plain(value), separators=(",", ":"))


def loads(cls: type[T], text: str) -> T:
    return typing.cast(T, _build(cls, json.loads(text)))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _build(hint: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _build(options[0], data) if len(options) == 1 else data
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_build(item, value) for value in data]
    if origin is dict:
        _, item = typing.get_args(hint)
        return {key: _build(item, value) for key, value in data.items()}
    if hint is datetime:
        return datetime.fromisoformat(data)
    if hint is date:
        return date.fromisoformat(data)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(
            **{
                field.name: _build(hints[field.name], data[field.name])
                for field in dataclasses.fields(hint)
                if field.init and field.name in data
            }
        )
    if hint is float and isinstance(data, int):
        return float(data)
    return data
