"""Trusted documents: the frontend's operations, known by their sha256, parsed and validated once.

``npm run codegen`` (GraphQL Code Generator's client preset, ``persistedDocuments``
with sha256) compiles ``frontend/operations/`` into the committed manifest
``frontend/generated/persisted-documents.json``: ``{"<sha256 hex>": "<document>"}``,
the hash being the sha256 of exactly that text. This module

- **loads** the manifest when the app starts (``GraphqlApiConfig.ready``): every
  hash is checked against its text, every document is parsed and validated against
  the schema with graphql-core's standard rules, and a document that fails stops
  the start with ``ManifestError``, naming the operation and the problem;
- **resolves a request** (``resolve_request``, called by the view once the caller is
  authenticated): ``{"documentId": "sha256:<hex>"}`` (GraphQL over HTTP's persisted
  documents) or Apollo's ``{"extensions": {"persistedQuery": {"version": 1,
  "sha256Hash": "<hex>"}}}``, by POST or GET, becomes the document's text; an unknown
  id is a 400 ``PERSISTED_QUERY_NOT_FOUND``. With ``GRAPHQL_TRUSTED_DOCUMENTS_ONLY``
  a ``query`` whose text is not in the manifest is a 400 ``PERSISTED_QUERY_REQUIRED``,
  unless the caller is staff;
- **skips the repeated work** (``TrustedDocuments``, a schema extension): an operation
  whose text is a manifest document gets the document parsed at start, and its
  validation runs only the rules the start did not run, i.e. the per-request ones
  that other extensions added (the anonymous-caller rule, the depth, alias and cost
  limits, introspection off). Every one of those still runs, for every caller.

Across releases the server also serves the **retained documents**
(``GRAPHQL_RETAINED_DOCUMENTS``, the committed ``frontend/released-documents.json``:
``{"documents": {"<sha256>": "<document>"}, "withdrawn": {"<sha256>": "<reason>"}}``),
the documents of earlier releases that ``make release-documents`` recorded, so a
frontend of the previous release keeps working on this release's nodes during a
rolling deploy. Each is checked at start like a manifest document; one the schema
now refuses stops the start until it is moved to ``withdrawn`` with its reason.

Strawberry has no built-in persisted documents (strawberry#1707); this is built on
its public extension hooks (``ExecutionContext.graphql_document``,
``validation_rules``) and the view's ``parse_http_body``.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cross_web import HTTPException
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, parse, specified_rules
from strawberry.extensions import SchemaExtension
from strawberry.http import GraphQLRequestData
from strawberry.schema.schema import validate_document

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_REQUIRED = "PERSISTED_QUERY_REQUIRED"

DOCUMENT_ID_PREFIX = "sha256:"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# The rules every manifest document passed at start; a request repeats only the others.
STARTUP_RULES: frozenset[type] = frozenset(specified_rules)
CODEGEN_COMMAND = "npm run codegen"


class ManifestError(ImproperlyConfigured):
    """The manifest is missing, malformed, or holds a document the schema refuses."""


class PersistedDocumentError(HTTPException):
    """A refusal with its own ``extensions.code`` (the view answers it like any HTTP refusal)."""

    def __init__(self, status_code: int, reason: str, code: str) -> None:
        super().__init__(status_code, reason)
        self.code = code


# Distinct sets of per-request rules whose result a document keeps: one per
# combination of settings and caller kind in practice; a rule built per
# request (a new class each time) is validated again, never piles up.
MAX_VALIDATIONS_KEPT = 32


@dataclass(frozen=True)
class TrustedDocument:
    sha256: str
    text: str
    document: DocumentNode
    operation_names: tuple[str, ...]
    _validated: dict[tuple[type, ...], tuple[GraphQLError, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def validate(self, schema: Any, rules: tuple[type, ...]) -> list[GraphQLError]:
        """The errors of the per-request ``rules`` (the standard ones passed at start).

        Kept per rules tuple, as ``graphql_api.caching`` keeps a text's: a rule's
        verdict depends only on the schema, the document and the rule class (one
        class per limit value, see ``graphql_api.limits``).
        """
        errors = self._validated.get(rules)
        if errors is None:
            errors = tuple(validate_document(schema, self.document, rules)) if rules else ()
            if len(self._validated) >= MAX_VALIDATIONS_KEPT:
                self._validated.clear()
            self._validated[rules] = errors
        return list(errors)


class Manifest:
    def __init__(self, documents: list[TrustedDocument]) -> None:
        self.by_hash = {document.sha256: document for document in documents}
        self.by_text = {document.text: document for document in documents}

    def __len__(self) -> int:
        return len(self.by_hash)

    def get(self, sha256: str) -> TrustedDocument | None:
        return self.by_hash.get(sha256)

    def for_text(self, text: str | None) -> TrustedDocument | None:
        return self.by_text.get(text) if text is not None else None


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _operation_names(document: DocumentNode) -> tuple[str, ...]:
    return tuple(
        definition.name.value if definition.name else "<anonymous>"
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    )


def load_document(
    sha256: str, text: object, schema: Any, source: str, refused_fix: str | None = None
) -> TrustedDocument:
    """One manifest entry, checked: its hash, its syntax, one named operation, the schema's rules.

    ``refused_fix`` says what to do when the schema refuses the document (by
    default: fix the operation and regenerate).
    """
    if not isinstance(text, str):
        raise ManifestError(
            f"{source}: the entry {sha256!r} is not a document string; run `{CODEGEN_COMMAND}`."
        )
    if sha256_hex(text) != sha256:
        raise ManifestError(
            f"{source}: the entry {sha256!r} is not the sha256 of its document; run `{CODEGEN_COMMAND}`."
        )
    try:
        document = parse(text)
    except GraphQLError as error:
        raise ManifestError(f"{source}: the document {sha256} does not parse: {error.message}") from None
    names = _operation_names(document)
    if len(names) != 1 or names[0] == "<anonymous>":
        raise ManifestError(
            f"{source}: the document {sha256} must hold exactly one named operation, not {names}."
        )
    errors = validate_document(schema._schema, document, tuple(specified_rules))
    if errors:
        problems = "; ".join(error.message.rstrip(".") for error in errors)
        raise ManifestError(
            f"{source}: the operation {names[0]} ({DOCUMENT_ID_PREFIX}{sha256}) does not validate against the "
            f"schema: {problems}. "
            + (refused_fix or f"Fix frontend/operations/ and run `{CODEGEN_COMMAND}`.")
        )
    return TrustedDocument(sha256=sha256, text=text, document=document, operation_names=names)


def load_manifest_entries(path: str | Path | None = None) -> Any:
    """The manifest's JSON as stored (the configured one by default)."""
    return json.loads(Path(path or settings.GRAPHQL_TRUSTED_DOCUMENTS_MANIFEST).read_text(encoding="utf-8"))


def _read_json(path: str | Path, what: str, fix: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"The {what} {path} is missing; run `{fix}`.") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ManifestError(f"The {what} {path} is not valid JSON: {error}") from None


def load_manifest(path: str | Path, schema: Any, retained: str | Path | None = None) -> Manifest:
    """The generated manifest's documents, plus the retained ones of earlier releases when named."""
    source = str(path)
    entries = _read_json(path, "trusted documents manifest", CODEGEN_COMMAND)
    if not isinstance(entries, dict):
        raise ManifestError(f"{source} must be a JSON object of sha256 -> document; run `{CODEGEN_COMMAND}`.")
    documents = [load_document(sha256, text, schema, source) for sha256, text in entries.items()]
    if retained:
        documents += load_retained(retained, schema, current=entries.keys())
    return Manifest(documents)


RELEASE_COMMAND = "make release-documents"


@dataclass(frozen=True)
class RetainedEntries:
    """``frontend/released-documents.json`` as stored: documents still served, and those withdrawn."""

    documents: dict[str, str]
    withdrawn: dict[str, str]


def read_retained(path: str | Path) -> RetainedEntries:
    """The retained documents file, its shape checked (not its documents: ``load_retained`` does)."""
    source = str(path)
    # The app cannot start without the file, so `make release-documents` cannot create it.
    create = f'echo \'{{"documents": {{}}, "withdrawn": {{}}}}\' > {source}` and `{RELEASE_COMMAND}'
    entries = _read_json(path, "retained documents file", create)
    if (
        not isinstance(entries, dict)
        or set(entries) != {"documents", "withdrawn"}
        or not isinstance(entries["documents"], dict)
        or not isinstance(entries["withdrawn"], dict)
    ):
        raise ManifestError(
            f'{source} must be {{"documents": {{sha256: document}}, "withdrawn": {{sha256: reason}}}}.'
        )
    for sha256, reason in entries["withdrawn"].items():
        if not isinstance(reason, str) or not reason.strip():
            raise ManifestError(f"{source}: the withdrawn document {sha256!r} needs its reason (a sentence).")
        if sha256 in entries["documents"]:
            raise ManifestError(f"{source}: the document {sha256} is both retained and withdrawn.")
    return RetainedEntries(documents=entries["documents"], withdrawn=entries["withdrawn"])


def load_retained(path: str | Path, schema: Any, current: Any = ()) -> list[TrustedDocument]:
    """The retained documents not in the ``current`` manifest, each checked as a manifest document is.

    A retained document the schema now refuses (a breaking change since its
    release) stops the start: served unvalidated it could only fail, and
    dropped silently the old frontend would break unannounced. The fix is a
    deliberate withdrawal, recorded with its reason.
    """
    source = str(path)
    retained = read_retained(path)
    documents = []
    for sha256, text in retained.documents.items():
        if sha256 in current:
            continue
        refused_fix = (
            "This document of an earlier release can no longer run: move it from "
            f'"documents" to "withdrawn" in {source} with the reason (the previous frontend\'s '
            "operation then fails on this release's nodes until the new frontend is deployed)."
        )
        documents.append(load_document(sha256, text, schema, source, refused_fix))
    return documents


_manifests: dict[tuple[str, str], Manifest] = {}
_lock = threading.Lock()


def get_manifest() -> Manifest:
    """The served documents: the generated manifest and the retained documents, loaded once per process."""
    key = (settings.GRAPHQL_TRUSTED_DOCUMENTS_MANIFEST, settings.GRAPHQL_RETAINED_DOCUMENTS)
    manifest = _manifests.get(key)
    if manifest is None:
        with _lock:
            manifest = _manifests.get(key)
            if manifest is None:
                from .schema import schema  # the schema imports this module

                manifest = _manifests[key] = load_manifest(key[0], schema, retained=key[1])
    return manifest


# -- requests -----------------------------------------------------------------------------


def _bad_request(message: str) -> HTTPException:
    return HTTPException(400, message)


def _not_found(sha256: str) -> PersistedDocumentError:
    return PersistedDocumentError(
        400,
        f"PersistedQueryNotFound: no trusted document has the id {DOCUMENT_ID_PREFIX}{sha256}.",
        PERSISTED_QUERY_NOT_FOUND,
    )


def _document_id_hash(document_id: object) -> str:
    if not isinstance(document_id, str) or not document_id.startswith(DOCUMENT_ID_PREFIX):
        raise _bad_request("`documentId` must be a string `sha256:<64 hexadecimal digits>`.")
    sha256 = document_id.removeprefix(DOCUMENT_ID_PREFIX).lower()
    if not _SHA256_HEX.fullmatch(sha256):
        raise _bad_request("`documentId` must be a string `sha256:<64 hexadecimal digits>`.")
    return sha256


def _apollo_hash(persisted_query: object) -> str:
    if (
        not isinstance(persisted_query, dict)
        or persisted_query.get("version") != 1
        or not isinstance(persisted_query.get("sha256Hash"), str)
        or not _SHA256_HEX.fullmatch(persisted_query["sha256Hash"].lower())
    ):
        raise _bad_request(
            '`extensions.persistedQuery` must be {"version": 1, "sha256Hash": "<64 hexadecimal digits>"}.'
        )
    return persisted_query["sha256Hash"].lower()


def has_document_id(params: Mapping[str, Any]) -> bool:
    """Whether a GET's parameters name a persisted document (then it is not a page load)."""
    return "documentId" in params or "persistedQuery" in str(params.get("extensions") or "")


def resolve_request(data: GraphQLRequestData, raw: Mapping[str, Any], user: Any) -> GraphQLRequestData:
    """``data`` with the trusted document's text as its query, or a refusal (see the module's doc)."""
    if "documentId" in raw:
        sha256 = _document_id_hash(raw["documentId"])
        if data.query is not None:
            raise _bad_request("Send either `query` or `documentId`, not both.")
        return replace(data, query=_lookup(sha256).text)
    extensions = data.extensions or {}
    if "persistedQuery" in extensions:
        sha256 = _apollo_hash(extensions["persistedQuery"])
        if data.query is None:
            return replace(data, query=_lookup(sha256).text)
        # Apollo's automatic persisted queries retry with the text after a
        # PERSISTED_QUERY_NOT_FOUND; the text must be what the hash says, and is
        # then an ordinary query (nothing is registered: the manifest is fixed).
        if sha256_hex(data.query) != sha256:
            raise _bad_request("`extensions.persistedQuery.sha256Hash` is not the sha256 of `query`.")
    if (
        data.query is not None
        and settings.GRAPHQL_TRUSTED_DOCUMENTS_ONLY
        and not _may_send_any_query(user)
        and get_manifest().for_text(data.query) is None
    ):
        raise PersistedDocumentError(
            400,
            "This server runs only trusted documents: send the operation's `documentId` "
            '("sha256:<hex>") from the frontend\'s manifest instead of `query`.',
            PERSISTED_QUERY_REQUIRED,
        )
    return data


def _lookup(sha256: str) -> TrustedDocument:
    document = get_manifest().get(sha256)
    if document is None:
        raise _not_found(sha256)
    return document


def _may_send_any_query(user: Any) -> bool:
    # Staff explore and debug in GraphiQL; every other rule (limits, the
    # policy) still applies to them.
    return bool(user.is_authenticated and user.is_active and user.is_staff)


# -- execution ----------------------------------------------------------------------------


class TrustedDocuments(SchemaExtension):
    """Gives a manifest document its parsed form and skips the validation the start already did.

    The document is set in ``on_operation``, before any ``on_parse``, so that
    no parse cache parses it; and again in ``on_parse`` for a cache that sets
    the document unconditionally (Strawberry's ``ParserCache``) and comes
    before this extension. ``on_validate`` must come after every extension that
    adds validation rules (as ``graphql_api.caching`` must): it runs the rules
    present then except graphql-core's standard ones, which the document passed
    at start, and keeps the verdict per set of rules.
    """

    def __init__(self) -> None:
        super().__init__()
        self.trusted: TrustedDocument | None = None

    def _use_trusted_document(self) -> None:
        context = self.execution_context
        if self.trusted is None:
            self.trusted = get_manifest().for_text(context.query)
        if self.trusted is not None:
            context.graphql_document = self.trusted.document

    def on_operation(self) -> Iterator[None]:
        self._use_trusted_document()
        yield

    def on_parse(self) -> Iterator[None]:
        self._use_trusted_document()
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self.trusted is not None and context.graphql_document is self.trusted.document:
            # Only the rules the start did not run, each set's verdict kept:
            # setting the errors here tells Strawberry validation is done.
            rules = tuple(rule for rule in context.validation_rules if rule not in STARTUP_RULES)
            context.pre_execution_errors = self.trusted.validate(context.schema._schema, rules)
        yield
