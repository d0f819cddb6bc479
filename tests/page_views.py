"""The views of a page that a first run does not draw, found on the page: shared by the tests and their subprocesses."""

from __future__ import annotations


def page_views(at, skip: tuple[str, ...] = ("data_tab",)) -> list[tuple[str, str]]:
    """The views of the page on show that a first run does not draw: (key, label) of each tab after the first of every
    keyed tab set (ui.views runs only the open tab), found on the page itself, so a view added later is opened by
    the tests too. The data page's tabs (`skip`) are opened by name where a test wants them (some need staff)."""
    found = []

    def walk(node) -> None:
        children = getattr(node, "children", {})
        for child in children.values() if isinstance(children, dict) else children:
            if getattr(child, "type", None) == "tab_container" and child.key and child.key not in skip:
                labels = [tab.label for tab in child.children.values()]
                found.extend((child.key, label) for label in labels[1:])
            walk(child)

    walk(at.main)
    return found


def every_view(at):
    """Open every view of the page on show, views inside views too (each reached through the views around it);
    yields (key, label) after each one's run."""
    seen: set[tuple[str, str]] = set()
    todo = [({}, view) for view in page_views(at)]
    while todo:
        around, (key, label) = todo.pop(0)
        if (key, label) in seen:
            continue
        seen.add((key, label))
        path = around | {key: label}
        for k, v in path.items():
            at.session_state[k] = v
        at.run()
        yield key, label
        todo += [(path, view) for view in page_views(at) if view not in seen and view[0] not in path]
