"""Build the renderer's packaged assets (src/clockreader/render/assets/) from the wheels they come from, so that
`render_clock(seed)` draws the same pixels in every install (issue 26): fonts from matplotlib's wheel, cut
to printable ASCII (all the renderer writes: numerals, roman numerals, brand names, dates) with fontTools'
subsetter, and the public-domain / CC0 photographs of scikit-image's data folder, shrunk to 384 px.
Needs the train extra (matplotlib, scikit-image) and fonttools. Run once; the output is committed.

    python scripts/make_render_assets.py
"""

import importlib.util
from pathlib import Path

from fontTools import subset
from PIL import Image

OUT = Path(__file__).resolve().parents[1] / "src" / "clockreader" / "render" / "assets"
FONTS = {  # file: licence, as matplotlib ships them (LICENSE_DEJAVU, LICENSE_STIX; Computer Modern: BaKoMa)
    "DejaVuSans.ttf": "DejaVu (Bitstream Vera) licence", "DejaVuSans-Bold.ttf": "DejaVu (Bitstream Vera) licence",
    "DejaVuSerif.ttf": "DejaVu (Bitstream Vera) licence", "DejaVuSerif-Bold.ttf": "DejaVu (Bitstream Vera) licence",
    "DejaVuSansMono.ttf": "DejaVu (Bitstream Vera) licence", "DejaVuSans-Oblique.ttf": "DejaVu (Bitstream Vera) licence",
    "DejaVuSerifDisplay.ttf": "DejaVu (Bitstream Vera) licence",
    "STIXGeneral.ttf": "SIL Open Font License 1.1 (STIX)", "STIXGeneralBol.ttf": "SIL Open Font License 1.1 (STIX)",
    "cmr10.ttf": "BaKoMa Fonts Licence (Computer Modern)", "cmss10.ttf": "BaKoMa Fonts Licence (Computer Modern)",
    "cmb10.ttf": "BaKoMa Fonts Licence (Computer Modern)",
}
PHOTOS = {  # scikit-image data file: licence stated in skimage.data's docstrings
    "astronaut.png": "public domain (NASA)", "brick.png": "CC0 (CC0Textures)", "camera.png": "CC0 (Lav Varshney)",
    "cell.png": "CC0", "chelsea.png": "CC0 (Stefan van der Walt)", "coffee.png": "CC0 (Rachel Michetti)",
    "grass.png": "CC0 (DeviantArt linolafett)", "gravel.png": "CC0 (CC0Textures)", "retina.jpg": "CC0 1.0 (Wikimedia)",
    "hubble_deep_field.jpg": "public domain (NASA/ESA HubbleSite)", "rocket.jpg": "public domain (SpaceX Photos, CC0)",
}
SIDE = 384


def _package_dir(name: str) -> Path:
    return Path(list(importlib.util.find_spec(name).submodule_search_locations)[0])


def main() -> None:
    ttf = _package_dir("matplotlib") / "mpl-data" / "fonts" / "ttf"
    data = _package_dir("skimage") / "data"
    (OUT / "fonts").mkdir(parents=True, exist_ok=True)
    (OUT / "backgrounds").mkdir(parents=True, exist_ok=True)
    lines = ["# The renderer's assets and their licences", "",
             "Built by `scripts/make_render_assets.py`. Fonts: cut to printable ASCII from matplotlib's wheel",
             "(its LICENSE_DEJAVU and LICENSE_STIX are copied here). Photographs: from scikit-image's `skimage/data`,",
             f"shrunk to at most {SIDE} px a side.", "", "| file | source | licence |", "|---|---|---|"]
    opts = subset.Options()
    opts.layout_features, opts.hinting, opts.notdef_outline = ["*"], True, True
    for name, licence in FONTS.items():
        font = subset.load_font(str(ttf / name), opts)
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=range(0x20, 0x7F))
        sub.subset(font)
        subset.save_font(font, str(OUT / "fonts" / name), opts)
        lines.append(f"| fonts/{name} | matplotlib mpl-data/fonts/ttf/{name} | {licence} |")
    for lic in ("LICENSE_DEJAVU", "LICENSE_STIX"):
        (OUT / "fonts" / lic).write_bytes((ttf / lic).read_bytes())
    for name, licence in PHOTOS.items():
        im = Image.open(data / name).convert("RGB")
        im.thumbnail((SIDE, SIDE))
        out = OUT / "backgrounds" / (Path(name).stem + ".jpg")
        im.save(out, quality=88)
        lines.append(f"| backgrounds/{out.name} | scikit-image skimage/data/{name} | {licence} |")
    (OUT / "LICENSES.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT}: {sum(f.stat().st_size for f in OUT.rglob('*') if f.is_file()) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
