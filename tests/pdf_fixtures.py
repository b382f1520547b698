"""Small PDFs written in the test, so no binary fixture is committed."""

from __future__ import annotations

import io


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF: one page per list of lines (Helvetica 12 pt, one text line per entry).

    >>> pdf_bytes([["Hello."]]).startswith(b"%PDF-1.4")
    True
    """
    streams = []
    for lines in pages:
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")  # show the line, then move to the next one
        ops.append("ET")
        streams.append("\n".join(ops))
    return pdf_from_streams(streams)


def pdf_from_streams(streams: list[str]) -> bytes:
    """A minimal valid PDF with one page per content stream (PDF operators; font /F1 is Helvetica)."""
    font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "", font]  # object 2 (the page list) comes last
    kids = []
    for stream in streams:
        objects.append(f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>"
        )
        kids.append(len(objects))
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def encrypted_pdf_bytes(pages: list[list[str]], password: str = "secret") -> bytes:
    """The same PDF, encrypted with a user password (RC4, which pypdf handles without extra packages)."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes(pages))))
    writer.encrypt(user_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
