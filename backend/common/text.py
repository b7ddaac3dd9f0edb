"""Free text as people type it, without the characters that only ever deceive or break."""

import re

# C0 controls but tab and newline (a lone carriage return becomes a newline), DEL, the C1
# controls, and the bidirectional overrides, embeddings and isolates: an ESC sequence recolours
# a staff member's terminal, U+202E shows "gpj.exe" as "exe.jpg".
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def text_clean(text: str) -> str:
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
