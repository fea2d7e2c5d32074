"""The list of services a resident chooses from, grouped by department, and its search.

A search matches a service when every word of the query starts a word of the
service's name, group or description (in any of the catalog's languages), its
department's name or its keywords, compared as ``casestore.catalog.fold_words``
does (lower case, no accents): "bache" and "pot hole" both find the pothole service. The
page's script filters the same list as the resident types, with the same words
(each item carries them in ``data-words``), so the page answers the same with
and without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass

from casestore.catalog import Catalog, Service, fold_words


@dataclass(frozen=True)
class Choice:
    """One service on the list: its code, texts in the page's language and search words."""

    code: str
    name: str
    description: str
    words: str  # folded, space-separated: what a search compares with


@dataclass(frozen=True)
class Group:
    """One department and its services, as the list shows them."""

    code: str
    name: str
    choices: tuple[Choice, ...]


def search_words(service: Service, catalog: Catalog) -> str:
    """Return the folded words a search over ``service`` compares with."""
    texts = [service.name, service.group, service.description, *service.keywords,
             *(text for field in ("name", "group", "description")
               for text in service.translations(field).values())]
    department = catalog.department(service.department)
    if department is not None:
        texts += [department.name, *department.translations("name").values()]
    words = dict.fromkeys(w for text in texts for w in fold_words(text).split())
    return " ".join(words)


def matches(words: str, query: str) -> bool:
    """Return True when every word of ``query`` starts one of ``words`` (an empty query: all)."""
    have = words.split()
    return all(any(w.startswith(q) for w in have) for q in fold_words(query).split())


def service_groups(catalog: Catalog, query: str = "") -> list[Group]:
    """Return the departments with their services that match ``query``, both by name.

    ``catalog`` is the one in the page's language (``casestore.i18n.page_catalog``).
    Departments with no matching service are left out.
    """
    by_department: dict[str, list[Choice]] = {}
    for service in catalog.services.values():
        words = search_words(service, catalog)
        if not matches(words, query):
            continue
        by_department.setdefault(service.department, []).append(
            Choice(code=service.code, name=service.name, description=service.description,
                   words=words))
    groups = [
        Group(code=code, name=catalog.department_name(code),
              choices=tuple(sorted(choices, key=lambda c: fold_words(c.name))))
        for code, choices in by_department.items()
    ]
    return sorted(groups, key=lambda g: fold_words(g.name))
