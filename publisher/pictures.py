"""Pictures safe by construction: one check for every picture an output carries, whether it
comes from a topic's content or from a clinic profile's logo.

- An SVG is parsed with a real XML parser (no entities resolved, no DTD, no network, no
  huge trees) and must use only an allow-list of SVG elements and attributes: no scripts,
  no event attributes, no foreignObject, no pictures or documents inside the picture, no
  reference to anything but an element of the same picture (`#id`), no CSS that loads
  anything (at-rules and functions are checked after CSS escapes are decoded). What is
  published is the checked tree written out again, without comments, processing
  instructions or editor metadata, so nothing unchecked can ride along.
- A raster picture (PNG, JPEG, GIF, WebP) must be what its name says, within the pixel
  limits of publisher/limits.py (read from its header before anything decodes it), and
  must decode.

A refused picture raises `PictureRefused` with a finding code, the reason (quoting at most
a short excerpt of the file; it reads on from the picture's name: "image 'x.png' is 40000 x
40000 pixels ...") and a hint the editor can follow; the callers add the file and line
that named the picture.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

from lxml import etree

from . import limits

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# Editors' own bookkeeping (layers, guides, window size): inert, dropped when written out.
EDITOR_NS = {"http://www.inkscape.org/namespaces/inkscape",
             "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
             "http://ns.adobe.com/AdobeIllustrator/10.0/", "http://ns.adobe.com/SaveForWeb/1.0/",
             "http://www.bohemiancoding.com/sketch/ns"}

ELEMENTS = frozenset("""
svg g defs title desc symbol use path rect circle ellipse line polyline polygon text tspan textPath
linearGradient radialGradient stop pattern clipPath mask marker style filter feBlend feColorMatrix
feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight
feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feMerge feMergeNode feMorphology
feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence
""".split())
# Dropped with everything inside: document metadata (RDF), never drawn.
DROPPED_ELEMENTS = frozenset({f"{{{SVG_NS}}}metadata"})

# Attributes that only name, label or describe (their values are text, not CSS).
TEXT_ATTRIBUTES = frozenset("""
id class lang role aria-label aria-labelledby aria-describedby aria-hidden aria-roledescription
version baseProfile focusable tabindex
""".split())
ATTRIBUTES = TEXT_ATTRIBUTES | frozenset("""
href style type media x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height viewBox preserveAspectRatio
d points pathLength transform gradientTransform gradientUnits spreadMethod offset patternUnits
patternContentUnits patternTransform clipPathUnits maskUnits maskContentUnits markerUnits markerWidth
markerHeight refX refY orient dx dy rotate textLength lengthAdjust startOffset method spacing side
filterUnits primitiveUnits in in2 result stdDeviation mode operator k1 k2 k3 k4 values order kernelMatrix
divisor bias targetX targetY edgeMode kernelUnitLength preserveAlpha surfaceScale diffuseConstant
specularConstant specularExponent limitingConeAngle pointsAtX pointsAtY pointsAtZ azimuth elevation z
scale xChannelSelector yChannelSelector radius baseFrequency numOctaves seed stitchTiles tableValues
slope intercept amplitude exponent
fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap stroke-linejoin
stroke-miterlimit stroke-dasharray stroke-dashoffset opacity color display visibility overflow clip
clip-path clip-rule mask filter marker marker-start marker-mid marker-end stop-color stop-opacity
font font-family font-size font-size-adjust font-stretch font-style font-variant font-weight
text-anchor text-decoration text-rendering dominant-baseline alignment-baseline baseline-shift
letter-spacing word-spacing writing-mode direction unicode-bidi shape-rendering image-rendering
color-interpolation color-interpolation-filters color-rendering flood-color flood-opacity
lighting-color vector-effect paint-order mix-blend-mode isolation enable-background
""".split())

# CSS functions that compute a value and load nothing (url() is allowed for #id only).
CSS_FUNCTIONS = frozenset("""
rgb rgba hsl hsla hwb lab lch color calc min max clamp var
translate translatex translatey rotate scale scalex scaley skewx skewy matrix
not is where lang nth-child nth-last-child nth-of-type nth-last-of-type
""".split())
_FRAGMENT = re.compile(r"^#[A-Za-z_][\w.:-]*$")
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.S)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9A-Fa-f]{1,6})[ \t\r\n\f]?|(\r\n|[\n\r\f])|(.))", re.S)
_CSS_FUNCTION = re.compile(r"([-\w]*)\s*\(")
_CSS_AT_RULE = re.compile(r"@\s*([-\w]*)")
_CSS_URL = re.compile(r"url\(\s*(['\"]?)\s*([^'\")]*)", re.I)

RASTER_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WEBP"}
FORMAT_HINT = "Save the picture again in the format its name says, or fix the file name."
UNSAFE = "is not a self-contained SVG picture: "
SVG_HINT = ("Save the picture again as plain SVG (in Inkscape: Save As > Plain SVG) without scripts, "
            "links, embedded pictures or fonts, or export it as PNG.")
SIZE_HINT = (f"Scale the picture down (a printed page needs at most about 3000 x 4000 pixels) and save it "
             f"again; pictures may have up to {limits.MAX_PICTURE_PIXELS // 1_000_000} million pixels and "
             f"{limits.MAX_PICTURE_SIDE} pixels on either side.")


class PictureRefused(ValueError):
    """A picture that may not be published: `code` (c-006 or c-015), the reason, a hint."""

    def __init__(self, code: str, reason: str, hint: str):
        super().__init__(reason)
        self.code, self.reason, self.hint = code, reason, hint


@dataclass(frozen=True)
class Picture:
    """A checked picture: the bytes to publish and its size in pixels (None for an SVG)."""

    data: bytes
    width: int | None = None
    height: int | None = None


def check_picture(data: bytes, suffix: str) -> Picture:
    """The publishable form of a picture file named `*.suffix`, or PictureRefused."""
    suffix = suffix.lower()
    if len(data) > limits.MAX_PICTURE_BYTES:
        raise PictureRefused("c-006", f"is {limits.human_bytes(len(data))}; the limit is "
                             f"{limits.human_bytes(limits.MAX_PICTURE_BYTES)}", SIZE_HINT)
    if suffix == ".svg":
        return Picture(clean_svg(data))
    if suffix not in RASTER_FORMATS:
        raise PictureRefused("c-006", f"is not in a picture format the handouts can show ({suffix or 'no extension'})",
                             "Use PNG, JPEG, GIF, WebP or SVG.")
    width, height = check_raster(data, RASTER_FORMATS[suffix])
    return Picture(data, width, height)


def read_picture(path) -> bytes:
    """A picture file's bytes, reading no more than the size limit allows (OSError as usual)."""
    with open(path, "rb") as f:
        data = f.read(limits.MAX_PICTURE_BYTES + 1)
    if len(data) > limits.MAX_PICTURE_BYTES:
        raise PictureRefused("c-006", f"is larger than {limits.human_bytes(limits.MAX_PICTURE_BYTES)}, the limit",
                             SIZE_HINT)
    return data


# -- raster pictures -----------------------------------------------------------------------

def check_raster(data: bytes, expected: str) -> tuple[int, int]:
    """(width, height) of a raster picture in the format `expected` (Pillow's name), read from
    its header and checked against the limits, then decoded once with the limit in force."""
    from PIL import Image, ImageFile
    saved = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
    Image.MAX_IMAGE_PIXELS = None  # only the header is read here: the size is checked below
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # WeasyPrint turns it on for the whole process
    try:
        try:
            image = Image.open(io.BytesIO(data), formats=[expected])
        except Exception:  # noqa: BLE001 - Pillow raises many types for "not this format"
            raise PictureRefused("c-006", f"is not a {expected} picture", FORMAT_HINT) from None
        width, height = image.size
        if (width * height > limits.MAX_PICTURE_PIXELS or max(width, height) > limits.MAX_PICTURE_SIDE
                or not width or not height):
            raise PictureRefused(
                "c-006", f"is {width} x {height} pixels ({_count(width * height)} pixels); the limit is "
                f"{_count(limits.MAX_PICTURE_PIXELS)} pixels and {limits.MAX_PICTURE_SIDE} on either side",
                SIZE_HINT)
        Image.MAX_IMAGE_PIXELS = limits.MAX_PICTURE_PIXELS
        try:
            image.load()
        except Exception as exc:  # noqa: BLE001 - a damaged file: say why, shortly
            raise PictureRefused("c-006", f"cannot be decoded as {expected}: {_short(str(exc) or type(exc).__name__)}",
                                 "Open the picture in an image editor and save it again.") from None
        finally:
            image.close()
    finally:
        Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = saved
    return width, height


def _count(n: int) -> str:
    return f"{n / 1e9:.1f} billion" if n >= 1e9 else f"{n / 1e6:.1f} million" if n >= 1e6 else str(n)


def _short(text: str, size: int = 60) -> str:
    """At most `size` characters of a value, for a message."""
    text = " ".join(str(text).split())
    return text if len(text) <= size else text[:size - 1] + "…"


# -- SVG -------------------------------------------------------------------------------------

def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True, strip_cdata=True)


def clean_svg(data: bytes) -> bytes:
    """The checked SVG written out again (UTF-8, no comments, PIs or editor metadata)."""
    head = data[:4096].lower()
    if b"<!doctype" in data.lower() or b"<!entity" in head:
        raise PictureRefused("c-015", UNSAFE + "it has a DOCTYPE or XML entities, which may load other files",
                             SVG_HINT)
    if b"<svg" not in data[:4096]:
        raise PictureRefused("c-006", "is not an SVG picture", FORMAT_HINT)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        reason = re.sub(r",? line \d+, column \d+$", "", exc.msg or "")
        raise PictureRefused("c-006", f"is not a well-formed SVG picture: {_short(reason)} "
                             f"(line {exc.lineno} of the SVG)", SVG_HINT) from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise PictureRefused("c-006", "is not an SVG picture (its first element is not "
                             "<svg xmlns=\"http://www.w3.org/2000/svg\">)", SVG_HINT)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):  # an entity reference left unresolved
            raise PictureRefused("c-015", UNSAFE + f"it uses an XML entity (line {element.sourceline} of the SVG)",
                                 SVG_HINT)
        if element.getparent() is not None and _dropped(element):
            element.getparent().remove(element)  # with everything inside it
    ids: dict[str, etree._Element] = {}
    for element in root.iter():
        _check_element(element)
        if element.get("id"):
            ids[element.get("id")] = element
    _check_size(root, ids)
    etree.cleanup_namespaces(root)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def _dropped(element) -> bool:
    ns = etree.QName(element).namespace
    return element.tag in DROPPED_ELEMENTS or ns in EDITOR_NS


def _check_element(element) -> None:
    qname = etree.QName(element)
    where = f"line {element.sourceline} of the SVG"
    for name in ("href", f"{{{XLINK_NS}}}href"):  # the most telling reason first: what it would load
        value = element.get(name)
        if value is not None and not _FRAGMENT.match(value.strip()):
            raise PictureRefused("c-015", UNSAFE + f"it refers to '{_short(value, 40)}' on <{qname.localname}> "
                                 f"({where}); a picture may refer only to its own parts (#id)", SVG_HINT)
    if qname.namespace != SVG_NS or qname.localname not in ELEMENTS:
        raise PictureRefused("c-015", UNSAFE + f"it has a <{_short(qname.localname, 30)}> element ({where}); "
                             "a picture may hold only shapes, text and styles", SVG_HINT)
    for name, value in list(element.attrib.items()):
        attr = etree.QName(name)
        if attr.namespace in EDITOR_NS:
            del element.attrib[name]
            continue
        local = attr.localname
        if attr.namespace == XLINK_NS and local in ("href", "title"):
            pass
        elif attr.namespace == XML_NS and local in ("lang", "space"):
            continue
        elif attr.namespace is not None or local not in ATTRIBUTES:
            said = f"on{local[2:]}" if local.lower().startswith("on") else local
            raise PictureRefused("c-015", UNSAFE + f"it has the attribute '{_short(said, 30)}' on <{qname.localname}> "
                                 f"({where}); " + ("event attributes run scripts" if local.lower().startswith("on")
                                                   else "it is not one a picture needs"), SVG_HINT)
        if local not in TEXT_ATTRIBUTES and local != "href" and attr.namespace is None:
            problem = css_problem(value, sheet=local == "style")
            if problem:
                raise PictureRefused("c-015", UNSAFE + f"its '{local}' on <{qname.localname}> ({where}) {problem}",
                                     SVG_HINT)
    if qname.localname == "style":
        if element.get("type", "text/css").strip().lower() != "text/css":
            raise PictureRefused("c-015", UNSAFE + f"it has a <style> that is not CSS ({where})", SVG_HINT)
        problem = css_problem(element.text or "", sheet=True)
        if problem:
            raise PictureRefused("c-015", UNSAFE + f"its <style> ({where}) {problem}", SVG_HINT)
        if len(element):
            raise PictureRefused("c-015", UNSAFE + f"its <style> ({where}) holds elements", SVG_HINT)


def css_problem(css: str, *, sheet: bool) -> str | None:
    """What in this CSS could load something ("has '@import'", ...), or None. Comments are
    removed and escapes decoded first, so `u\\72l(` and `@\\69mport` are seen for what they are."""
    text = unescape_css(_CSS_COMMENT.sub(" ", css))
    at_rule = _CSS_AT_RULE.search(text) if sheet or "@" in text else None
    if at_rule:
        return f"has '{_short(text[at_rule.start():], 40)}': CSS at-rules (@import, @font-face, ...) are not allowed"
    for match in _CSS_FUNCTION.finditer(text):
        name = match.group(1).lower()
        if name == "url":
            target = _CSS_URL.match(text, match.start())
            value = target.group(2).strip() if target else ""
            if not _FRAGMENT.match(value):
                return f"has 'url({_short(value, 40)})': CSS may refer only to the picture's own parts (url(#id))"
        elif name not in CSS_FUNCTIONS:
            return f"has '{_short(text[match.start():], 40)}': the CSS function '{name}()' is not allowed"
    return None


def unescape_css(text: str) -> str:
    r"""CSS with its escapes decoded: '\75 rl' -> 'url', '\@' -> '@', a backslash-newline -> ''."""
    def decode(match: re.Match) -> str:
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return "" if match.group(2) else match.group(3)
    return _CSS_ESCAPE.sub(decode, text)


def _check_size(root, ids: dict) -> None:
    """Elements drawn, counting what every <use> repeats; a <use> that repeats itself is refused."""
    weights: dict = {}  # by element: the dict keeps each proxy alive, so id() is never reused
    busy: set = set()
    use_tag = f"{{{SVG_NS}}}use"

    def weight(element) -> int:
        if element in weights:
            return weights[element]
        if element in busy:
            raise PictureRefused("c-015", UNSAFE + f"its <use> on line {element.sourceline} of the SVG repeats itself", SVG_HINT)
        busy.add(element)
        total = 1
        for child in element:
            total += weight(child)
            if total > limits.MAX_SVG_ELEMENTS:
                break
        if element.tag == use_tag:
            target = ids.get((element.get("href") or element.get(f"{{{XLINK_NS}}}href") or "").strip()[1:])
            if target is not None:
                total += weight(target)
        busy.discard(element)
        weights[element] = total = min(total, limits.MAX_SVG_ELEMENTS + 1)
        return total

    try:
        drawn = weight(root)
    except RecursionError:
        raise PictureRefused("c-006", "nests its parts too deeply (a <use> of a <use> of ...)",
                             "Simplify the drawing, or export it as PNG.") from None
    if drawn > limits.MAX_SVG_ELEMENTS:
        raise PictureRefused("c-006", f"draws more than {limits.MAX_SVG_ELEMENTS} elements "
                             "(counting what each <use> repeats)",
                             "Simplify the drawing (fewer shapes or copies), or export it as PNG.")
