"""The change policy: which modifications after a signature are acceptable (pyHanko's diff analysis).

pyHanko's default policy plus one rule: markup annotations (notes, highlights, stamps, ink; no actions) added by a
reader after signing count as ANNOTATIONS, not as arbitrary changes. DocMDP then decides (P=3 allows them, P=1/2
not).
"""

from __future__ import annotations

__all__ = ["diff_policy"]


def _annotation_rule():
    """pyHanko's default diff policy has no rule for markup annotations (its ANNOTATIONS level is never reached),
    so a sticky note or highlight added by a reader after signing would count as an arbitrary change. This rule
    clears exactly that: a page whose only change is new non-widget, action-free markup annotations, the new
    annotation objects, their appearance streams and popups. DocMDP then decides (P=3 allows them, P=1/2 not)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.diff_analysis.rules_api import QualifiedWhitelistRule, ReferenceUpdate

    markup = {
        "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight", "/Underline",
        "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink", "/Popup",
    }  # fmt: skip

    def refs_of(array) -> list:
        array = array.get_object() if array is not None else generic.ArrayObject()
        return [x.reference for x in array if isinstance(x, generic.IndirectObject)]

    class MarkupAnnotationRule(QualifiedWhitelistRule):
        def apply_qualified(self, old, new):
            level = ModificationLevel.ANNOTATIONS
            new_refs = set(new.reader.xrefs.explicit_refs_in_revision(new.revision))
            for page_ref in _page_refs(new):
                if page_ref not in new_refs:
                    continue
                try:
                    old_page, new_page = old(page_ref), new(page_ref)
                except Exception:  # noqa: BLE001, S112 - a page new in this revision is not ours to clear
                    continue
                keys = (set(old_page.keys()) | set(new_page.keys())) - {"/Annots"}
                if any(_raw(old_page, k) != _raw(new_page, k) for k in keys):
                    continue
                old_annots = refs_of(_raw(old_page, "/Annots"))
                new_annots = refs_of(_raw(new_page, "/Annots"))
                added = [r for r in new_annots if r not in old_annots]
                if set(old_annots) - set(new_annots) or not added:
                    continue
                cleared = []
                for ref in added:
                    annot = new(ref)
                    if annot.get("/Subtype") not in markup or "/A" in annot or "/AA" in annot:
                        break
                    if old.reader.xrefs.get_historical_ref(ref, old.revision) is not None:
                        break  # an existing object re-purposed, not a new annotation
                    cleared.append(ref)
                    for key in ("/Popup", "/IRT"):
                        target = _raw(annot, key)
                        if isinstance(target, generic.IndirectObject) and target.reference in new_refs:
                            cleared.append(target.reference)
                    ap = annot.get("/AP")
                    for state in ap.values() if isinstance(ap, generic.DictionaryObject) else ():
                        state_raw = state
                        if isinstance(state_raw, generic.IndirectObject):
                            cleared.append(state_raw.reference)
                else:
                    annots_raw = _raw(new_page, "/Annots")
                    if isinstance(annots_raw, generic.IndirectObject):
                        cleared.append(annots_raw.reference)
                    yield level, ReferenceUpdate(page_ref)
                    for ref in cleared:
                        if ref in new_refs:
                            yield level, ReferenceUpdate(ref)

    return MarkupAnnotationRule()


def _raw(dictionary, key: str):
    return dictionary.raw_get(key) if key in dictionary else None


def _page_refs(resolver) -> list:
    from pyhanko.pdf_utils import generic

    out, stack, seen = [], [resolver.root.raw_get("/Pages")], set()
    while stack and len(seen) < 100_000:
        node_raw = stack.pop()
        if not isinstance(node_raw, generic.IndirectObject) or node_raw.reference in seen:
            continue
        seen.add(node_raw.reference)
        node = node_raw.get_object()
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            stack.extend(reversed(list(node.get("/Kids", []))))
        else:
            out.append(node_raw.reference)
    return out


_DIFF_POLICY = None


def diff_policy():
    global _DIFF_POLICY
    if _DIFF_POLICY is None:
        from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, StandardDiffPolicy

        _DIFF_POLICY = StandardDiffPolicy(
            global_rules=[*DEFAULT_DIFF_POLICY.global_rules, _annotation_rule()],
            form_rule=DEFAULT_DIFF_POLICY.form_rule,
        )
    return _DIFF_POLICY
