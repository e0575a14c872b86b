"""Checks the README's Python tour against the generated Python binding (jsii-pacmak --code-only).

The binding cannot be installed here (its runtime's wheels are not served), so the tour is checked statically: it
must byte-compile, every name it imports from the package must be a class of the binding, and every call to one of
those classes or to their static methods may pass only keyword arguments the binding's signature declares.
Usage: python3 scripts/check-python-tour.py README.md dist/python-code/python/src/cdk_sagemaker_pipelines/__init__.py
"""
import ast
import re
import sys


def tour_source(readme: str) -> str:
    text = open(readme, encoding="utf-8").read()
    m = re.search(r"#### The tour in Python.*?```python\n(.*?)```", text, re.S)
    if not m:
        sys.exit(f"{readme}: no ```python block under '#### The tour in Python'")
    return m.group(1)


def binding_signatures(init_py: str) -> dict:
    """class name -> {method name -> set of parameter names} ('__init__' for the constructor)."""
    tree = ast.parse(open(init_py, encoding="utf-8").read())
    classes = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = {}
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    a = item.args
                    names = {x.arg for x in a.args + a.kwonlyargs + a.posonlyargs}
                    methods.setdefault(item.name, set()).update(names)
            classes[node.name] = methods
    return classes


def main() -> None:
    readme, init_py = sys.argv[1], sys.argv[2]
    source = tour_source(readme)
    compile(source, "README.md (Python tour)", "exec")
    tree = ast.parse(source)
    classes = binding_signatures(init_py)
    problems = []
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "cdk_sagemaker_pipelines":
            for alias in node.names:
                if alias.name not in classes:
                    problems.append(f"imports {alias.name}, which the binding does not have")
                imported.add(alias.name)
    checked = 0
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id in imported:
            cls, method = node.func.id, "__init__"
        elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and node.func.value.id in imported:
            cls, method = node.func.value.id, node.func.attr
            if method not in classes.get(cls, {}):
                problems.append(f"line {node.lineno}: {cls}.{method} is not in the binding")
                continue
        else:
            continue
        params = classes.get(cls, {}).get(method, set())
        for kw in node.keywords:
            if kw.arg is not None and kw.arg not in params:
                problems.append(f"line {node.lineno}: {cls}{'' if method == '__init__' else '.' + method}() has no argument {kw.arg}")
        checked += 1
    if problems:
        sys.exit("the README's Python tour does not match the binding:\n" + "\n".join(problems))
    print(f"python tour: byte-compiles; {len(imported)} imported classes and {checked} calls match the binding")


main()
