"""Renders the real chat templates of ../shared/models/chat-templates.json with Python's jinja2 as transformers'
apply_chat_template does (transformers 4.45: ImmutableSandboxedEnvironment with trim_blocks and lstrip_blocks, the
loopcontrols extension, raise_exception and strftime_now as globals, a tojson filter with ensure_ascii=False; the
template sees messages, add_generation_prompt, the tokenizer's special tokens (bos_token, eos_token) and tools /
documents unset). transformers 4.33, the reference stack's version, predates apply_chat_template.

    /usr/bin/python3 tools/reference/make_chat_template_fixtures.py

Writes trainer-core/src/test/resources/chat-templates/cases.json: for every template x conversation x
add_generation_prompt, the rendered text or the exception's message. The templates themselves stay in ../shared
(read there by the test); only the renderings are committed. Uses Debian's python3-jinja2 (3.1.2).
"""
import json
import os
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SHARED = os.environ.get("PEFT_TRAINER_SHARED", os.path.join(ROOT, "..", "shared"))
OUT = os.path.join(ROOT, "trainer-core", "src", "test", "resources", "chat-templates", "cases.json")

CONVERSATIONS = {
    "one-user": [{"role": "user", "content": "Summarize: Amanda baked cookies and will bring Jerry some tomorrow."}],
    "system-user": [{"role": "system", "content": "You write one-sentence summaries."},
                    {"role": "user", "content": "Hello!\nHow are you?"}],
    "multi-turn": [{"role": "user", "content": "What is 2 + 2?"},
                   {"role": "assistant", "content": "4."},
                   {"role": "user", "content": "  And 3 + 3?  "}],
    "system-multi-turn": [{"role": "system", "content": "Be brief."},
                          {"role": "user", "content": "Name a colour."},
                          {"role": "assistant", "content": "Blue."},
                          {"role": "user", "content": "Another, with \"quotes\" and ünïcödé."},
                          {"role": "assistant", "content": "Green."}],
    "bad-order": [{"role": "user", "content": "first"}, {"role": "user", "content": "second"}],
    "assistant-first": [{"role": "assistant", "content": "Hi."}, {"role": "user", "content": "Hello."}],
}
FIXED_DATE = datetime(2026, 12, 6)


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return FIXED_DATE.strftime(fmt)  # transformers uses now(); fixed so that the fixture is reproducible

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    with open(os.path.join(SHARED, "models", "chat-templates.json")) as f:
        templates = json.load(f)
    env = environment()
    cases = []
    for name, entry in templates.items():
        compiled = env.from_string(entry["chat_template"])
        for conv_name, messages in CONVERSATIONS.items():
            for add in (False, True):
                case = {"template": name, "conversation": conv_name, "add_generation_prompt": add}
                try:
                    case["text"] = compiled.render(messages=messages, add_generation_prompt=add,
                                                   bos_token=entry.get("bos_token") or "",
                                                   eos_token=entry.get("eos_token") or "")
                except jinja2.exceptions.TemplateError as e:
                    case["error"] = str(e)
                cases.append(case)
    with open(OUT, "w") as f:
        json.dump({"jinja2": jinja2.__version__, "date_for_strftime_now": FIXED_DATE.strftime("%Y-%m-%d"),
                   "conversations": CONVERSATIONS, "cases": cases}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(len(cases), "cases,", sum("error" in c for c in cases), "raise")


if __name__ == "__main__":
    main()
