"""Every operation of trieve-python-client 1.0.0 is called by some test of this folder: a new
client operation, or one whose test was dropped, fails here. (The client's API classes are read
from the installed package; a test is found by `.<operation>` called or passed in a test file
that names the operation's class.)"""

import inspect
import re
from pathlib import Path

import trieve_python_client as tc

HERE = Path(__file__).parent


def client_operations():
    for name, cls in inspect.getmembers(tc, inspect.isclass):
        if not name.endswith("Api") or name == "ApiClient":
            continue
        for method, _ in inspect.getmembers(cls, inspect.isfunction):
            if method.startswith("_") or method.endswith(
                    ("_with_http_info", "_without_preload_content")):
                continue
            yield name, method


def test_every_client_operation_has_a_test():
    sources = [path.read_text() for path in HERE.glob("test_*.py")
               if path.name != Path(__file__).name]
    operations = list(client_operations())
    assert len(operations) >= 62, operations
    untested = [
        f"{api}.{method}" for api, method in operations
        if not any(f"tc.{api}" in source and re.search(rf"\.{method}\b", source)
                   for source in sources)
    ]
    assert untested == [], f"client operations without a test: {untested}"
