"""DRF renderers."""

from __future__ import annotations

from rest_framework import renderers

from . import fastjson


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSONRenderer, encoded with orjson when that gives the same bytes.

    Compact, unescaped UTF-8 output (DRF's COMPACT_JSON and UNICODE_JSON, the
    defaults) goes through ``backend.fastjson``; an indented response
    (``Accept: application/json; indent=4``), other settings, or data orjson
    cannot encode identically take DRF's own path.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        fast = (
            self.compact
            and not self.ensure_ascii
            and self.get_indent(accepted_media_type, renderer_context or {}) is None
        )
        if fast:
            encoded = fastjson.dumps(data, default=self.encoder_class().default, ensure_ascii=False)
            if encoded is not None:
                return fastjson.escape_line_separators(encoded)
        return super().render(data, accepted_media_type, renderer_context)
