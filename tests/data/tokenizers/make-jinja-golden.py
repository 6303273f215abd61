#!/usr/bin/env python3
"""Writes golden/jinja-expressions.json: small templates rendered by Python jinja2 configured as
transformers does (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, its tojson and
raise_exception). The C# interpreter must give the same output, or an error where jinja2 raises.

Run: python3 make-jinja-golden.py   (needs the jinja2 package; not needed to run the tests)
"""
import json
import os

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

M = [{"role": "system", "content": "sys"}, {"role": "user", "content": "Hi 🤖 there"}, {"role": "assistant", "content": "<think>\nr\n</think>\n\nok"}]
CASES = [
    # output of values
    ("{{ 1 }}|{{ 1.5 }}|{{ 2.0 }}|{{ 1e20 }}|{{ 0.0001 }}|{{ 0.00001 }}|{{ -3 }}|{{ 10/4 }}|{{ 10//4 }}|{{ -7//2 }}|{{ -7 % 3 }}|{{ 2**10 }}", {}),
    ("{{ none }}|{{ true }}|{{ False }}|{{ undefined_name }}|{{ [1, 'a', none, true] }}|{{ {'k': 'v', 'n': 1} }}|{{ ('x',) }}|{{ \"it's\" }}", {}),
    ("{{ 'a' ~ 1 ~ none ~ undefined_name }}|{{ 'ab' * 3 }}|{{ [1] + [2, 3] }}|{{ 'x' + 'y' }}", {}),
    # comparisons, logic, membership
    ("{{ 1 == 1.0 }}|{{ true == 1 }}|{{ 'a' < 'b' }}|{{ [1, 2] < [1, 3] }}|{{ 1 < 2 < 3 }}|{{ 3 > 2 > 2 }}|{{ none == none }}|{{ x == y }}", {}),
    ("{{ 'a' in 'cat' }}|{{ 2 in [1, 2] }}|{{ 'k' in {'k': 1} }}|{{ 'z' not in 'cat' }}|{{ 'a' in undefined_name }}", {}),
    ("{{ 0 or 'b' }}|{{ '' and 'x' }}|{{ 'a' and 'b' }}|{{ not 0 }}|{{ not [] }}|{{ none or none }}|{{ 'yes' if 1 else 'no' }}|{{ 'yes' if 0 }}", {}),
    ("{{ not 1 == 2 }}|{{ not x is defined }}|{{ -2 ** 2 }}|{{ (1 + 2) * 3 }}|{{ 1 + 2 * 3 }}|{{ 1 + 2 ~ 'a' }}", {}),
    ("{{ 'a' ~ 1 + 2 }}", {}),
    # tests
    ("{{ x is defined }}|{{ x is undefined }}|{{ n is none }}|{{ s is string }}|{{ 1 is number }}|{{ 1.0 is integer }}|{{ 1 is integer }}|{{ true is boolean }}|{{ d is mapping }}|{{ l is iterable }}|{{ s is sequence }}",
     {"n": None, "s": "str", "d": {}, "l": []}),
    ("{{ f is false }}|{{ f is true }}|{{ 4 is even }}|{{ 3 is odd }}|{{ 9 is divisibleby 3 }}|{{ 9 is divisibleby(4) }}|{{ 'ab' is lower }}|{{ 'AB' is upper }}|{{ 1 is eq 1 }}|{{ 2 is in [1, 2] }}|{{ n is not none }}|{{ f is sameas false }}",
     {"f": False, "n": 1}),
    # attribute / item / slicing
    ("{{ m.role }}|{{ m['content'] }}|{{ m.missing }}|{{ m.missing is defined }}|{{ l[0] }}|{{ l[-1] }}|{{ l[5] }}|{{ l[1:] }}|{{ l[::-1] }}|{{ l[::2] }}|{{ s[1:3] }}|{{ s[::-1] }}|{{ s[0] }}|{{ l.1 }}",
     {"m": {"role": "user", "content": "c"}, "l": [1, 2, 3, 4], "s": "héllo🤖"}),
    ("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{{ d.keys() | list }}|{{ d.values() | list }}|{{ d.get('a') }}|{{ d.get('zz', 'dflt') }}|{{ d.get('zz') }}",
     {"d": {"b": 1, "a": 2}}),
    # string methods
    ("{{ s.startswith('He') }}|{{ s.endswith(('x', 'lo')) }}|{{ s.split('l') }}|{{ ' a  b '.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ s.upper() }}|{{ s.lower() }}",
     {"s": "Hello"}),
    ("[{{ '\\n x \\n'.strip() }}][{{ '\\n\\nx\\n'.lstrip('\\n') }}][{{ 'xxhixx'.strip('x') }}][{{ 'ab\\n\\n'.rstrip('\\n') }}][{{ 'aaa'.replace('a', 'b', 2) }}][{{ 'hello world'.title() }}][{{ 'hELLO'.capitalize() }}][{{ 'abcabc'.find('c') }}][{{ 'abcabc'.count('bc') }}][{{ '-'.join(['a', 'b']) }}]", {}),
    ("{{ c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}|{{ c.split('</think>')[-1].lstrip('\\n') }}",
     {"c": "<think>\nreason here\n</think>\n\nanswer"}),
    # filters
    ("{{ l | length }}|{{ s | length }}|{{ d | length }}|{{ '  x  ' | trim }}|{{ 1 | string }}|{{ x | default('dv') }}|{{ '' | default('dv', true) }}|{{ none | default('dv') }}|{{ l | first }}|{{ l | last }}|{{ l | join(', ') }}|{{ l | reverse | list }}",
     {"l": [3, 1, 2], "s": "a🤖b", "d": {"a": 1}}),
    ("{{ l | sort }}|{{ l | sort(reverse=true) }}|{{ w | sort }}|{{ w | unique | list }}|{{ l | max }}|{{ l | min }}|{{ l | sum }}|{{ '3' | int + 1 }}|{{ 'x' | int }}|{{ '2.5' | float }}|{{ -3 | abs }}|{{ 2.567 | round(2) }}|{{ 'ab' | upper }}|{{ 'hello world' | title }}|{{ 'hello' | capitalize }}",
     {"l": [3, 1, 2], "w": ["b", "A", "a", "c"]}),
    ("{{ ms | map(attribute='role') | join(',') }}|{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }}|{{ ms | rejectattr('role', 'eq', 'user') | list | length }}|{{ [1, 2, 3, 4] | select('odd') | list }}|{{ [1, none, 2] | reject('none') | list }}|{{ ['a', 'b'] | map('upper') | list }}",
     {"ms": M}),
    ("{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ l | tojson }}|{{ 'q\"\\\\\\n\\t' | tojson }}|{{ 1.5 | tojson }}|{{ {'b': 1, 'a': [true, none]} | tojson(sort_keys=true) }}|{{ d | items | list }}|{{ 'a\\nb' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}",
     {"d": {"name": "f", "args": {"x": 1, "y": "ü"}}, "l": [1, "two", None, True, 2.5, {}, []]}),
    # for loops
    ("{% for m in ms %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }}:{{ m.role }};{% endfor %}", {"ms": M}),
    ("{% for x in [1, 2, 3, 4, 5] if x is odd %}{{ x }}{{ loop.length }}{% if not loop.last %},{% endif %}{% endfor %}|{% for x in [] %}a{% else %}empty{% endfor %}|{% for c in 'ab' %}{{ c }}{% endfor %}|{% for k in {'p': 1, 'q': 2} %}{{ k }}{% endfor %}", {}),
    ("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}|{{ range(3) | list }}|{{ range(1, 7, 2) | list }}", {}),
    ("{% for x in [1, 2] %}{% for y in ['a', 'b'] %}{{ loop.index }}{{ x }}{{ y }} {% endfor %}{{ loop.index }}|{% endfor %}", {}),
    ("{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }}-{{ loop.cycle('o', 'e') }} {% endfor %}", {}),
    # set, scoping, namespace
    ("{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}", {}),
    ("{% set ns = namespace(total=0, found=false) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% if i == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.total }}|{{ ns.found }}", {}),
    ("{% if true %}{% set y = 'set-in-if' %}{% endif %}{{ y }}|{% set a, b = [1, 2] %}{{ a }}{{ b }}|{% set block %}inner {{ 1 + 1 }}{% endset %}[{{ block }}]", {}),
    ("{% for i in [1, 2, 3] %}{% if loop.first %}{% set z = 5 %}{% endif %}[{{ z }}]{% endfor %}", {}),
    # whitespace control and trim/lstrip blocks
    ("  {% if true %}\n  x\n  {% endif %}\nend\n", {}),
    ("a  {%- if true -%}  b  {%- endif -%}  c\n{{- ' d ' -}}\n e", {}),
    ("line\n    {%+ if true %}kept{% endif %}\n{% if true +%}\nnext{% endif %}", {}),
    ("{# comment #}\n{#- c2 -#}   x {# c3 #}\ny\n", {}),
    ("{% raw %}{{ not rendered }}{% endraw %}|{{ '{{' }}", {}),
    ("{% if a %}A{% elif b %}B{% else %}C{% endif %}{% if not a and not b %}!{% endif %}", {"a": False, "b": True}),
    ("{{ 'x' if false else 'y' if true else 'z' }}|{{ [1, 2, 3][1:] | length }}|{{ (messages | length) - 1 }}|{{ messages|length - 1 }}", {"messages": M}),
    # errors: jinja2 raises for these
    ("{{ raise_exception('Conversation roles must alternate') }}", {}),
    ("{{ undefined_name.attr }}", {}),
    ("{{ 'a' + 1 }}", {}),
    ("{{ undefined_name + 'x' }}", {}),
    ("{{ m.content.startswith('x') }}", {"m": {"role": "user"}}),
    ("{{ 1 < 'a' }}", {}),
]

out = []
for template, variables in CASES:
    try:
        output = env.from_string(template).render(**variables)
        out.append({"template": template, "vars": variables, "output": output})
    except Exception as e:  # noqa: BLE001 - the golden records that jinja2 raised
        out.append({"template": template, "vars": variables, "error": f"{type(e).__name__}: {e}"})

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "golden", "jinja-expressions.json"), "w", encoding="utf-8") as f:
    f.write('{\n "source": "Python jinja2 %s, ImmutableSandboxedEnvironment(trim_blocks, lstrip_blocks, loopcontrols) with transformers\' tojson",\n "cases": [\n' % jinja2.__version__)
    f.write(",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in out))
    f.write("\n ]\n}\n")
print(f"wrote {len(out)} cases")
