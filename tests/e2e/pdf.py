"""The pages and the text of a PDF that Chromium prints, read without a PDF library.

Chromium writes its objects uncompressed, its content streams compressed with Flate, and
every font with a ToUnicode map from its character codes to text: that is all this reads.
"""

import re
import zlib

OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
STREAM = re.compile(rb"stream\r?\n(.*)endstream", re.S)
PAGE = re.compile(rb"/Type\s*/Page(?![\w])")
FONT_ENTRY = re.compile(rb"/(\w+)\s+(\d+) 0 R")
# What the text of a content stream is made of: a font chosen, a string of character
# codes shown (hex, as Chromium writes them), the end of a text object. A marked
# sequence's replacement text (/ActualText <…>) is not shown text: it is skipped.
TEXT_TOKEN = re.compile(rb"/ActualText\s*<[^>]*>|/(\w+)\s+[-\d.]+\s+Tf|<([0-9A-Fa-f]*)>|\bET\b")


def hex_text(code: bytes) -> str:
    return bytes.fromhex(code.decode()).decode("utf-16-be")


class ToUnicode:
    """A font's map from character codes (of one width, in bytes) to text."""

    def __init__(self, cmap: bytes) -> None:
        space = re.search(rb"begincodespacerange\s*<([0-9A-Fa-f]+)>", cmap)
        self.width = len(space.group(1)) // 2 if space else 1
        self.text: dict[int, str] = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
            for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                self.text[int(code, 16)] = hex_text(text)
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
            for low, high, target in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", block
            ):
                codes = range(int(low, 16), int(high, 16) + 1)
                if target.startswith(b"["):
                    texts = [hex_text(item) for item in re.findall(rb"<([0-9A-Fa-f]+)>", target)]
                    self.text.update(zip(codes, texts, strict=False))
                else:
                    first = int(target[1:-1], 16)
                    self.text.update((code, chr(first + code - codes[0])) for code in codes)

    def decode(self, shown: bytes) -> str:
        raw = bytes.fromhex(shown.decode())
        codes = (int.from_bytes(raw[at : at + self.width]) for at in range(0, len(raw), self.width))
        return "".join(self.text.get(code, "") for code in codes)


class PrintedPdf:
    """A PDF printed by Chromium (``page.pdf()``): its number of pages and its text."""

    def __init__(self, data: bytes) -> None:
        self.objects = {int(number): body for number, body in OBJECT.findall(data)}

    def stream(self, number: int) -> bytes:
        body = self.objects[number]
        found = STREAM.search(body)
        assert found, f"object {number} has no stream"
        data = found.group(1)
        return zlib.decompress(data) if b"/FlateDecode" in body[: found.start()] else data

    @property
    def page_count(self) -> int:
        return sum(1 for body in self.objects.values() if PAGE.search(body.split(b"stream")[0]))

    def fonts(self) -> dict[bytes, ToUnicode]:
        """Every font named in a resource dictionary, by name, with its text map."""
        fonts = {}
        for body in self.objects.values():
            for entries in re.findall(rb"/Font\s*<<(.*?)>>", body.split(b"stream")[0], re.S):
                for name, number in FONT_ENTRY.findall(entries):
                    cmap = re.search(rb"/ToUnicode (\d+) 0 R", self.objects[int(number)])
                    if cmap:
                        fonts[name] = ToUnicode(self.stream(int(cmap.group(1))))
        return fonts

    def content_streams(self) -> list[int]:
        """The pages' contents and the forms they draw, whose text is the printed text."""
        numbers = []
        for number, body in self.objects.items():
            head = body.split(b"stream")[0]
            if PAGE.search(head):
                numbers += [int(ref) for ref in re.findall(rb"/Contents (\d+) 0 R", head)]
            elif re.search(rb"/Subtype\s*/Form", head):
                numbers.append(number)
        return numbers

    @property
    def text(self) -> str:
        """The text shown, a line per text object."""
        fonts, lines = self.fonts(), []
        for number in self.content_streams():
            font, line = None, []
            for token in TEXT_TOKEN.finditer(self.stream(number)):
                chosen, shown = token.group(1), token.group(2)
                if chosen is not None:
                    font = fonts.get(chosen)
                elif shown is not None and font is not None:
                    line.append(font.decode(shown))
                elif token.group(0) == b"ET":
                    lines.append("".join(line))
                    line = []
        return "\n".join(line for line in lines if line)
