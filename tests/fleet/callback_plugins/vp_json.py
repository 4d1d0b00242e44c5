# SPDX-License-Identifier: LGPL-2.1-or-later
# A stdout callback for the fleet test: the whole run as one JSON document (ansible-core ships no
# JSON callback of its own): {"plays": [{"tasks": [{"task": {"name"}, "hosts": {HOST: result}}]}], "stats": {...}}
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
    name: vp_json
    type: stdout
    short_description: the run as one JSON document, for vfio-pilot's fleet test
    description: Collects every task's per-host results and the closing stats, and prints them as JSON.
'''

import json
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'vp_json'

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.plays = []

    def v2_playbook_on_play_start(self, play):
        self.plays.append({'play': {'name': play.get_name()}, 'tasks': []})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.plays[-1]['tasks'].append({'task': {'name': task.get_name()}, 'hosts': {}})

    def _result(self, result, **extra):
        r = dict(result._result)
        r.update(extra)
        self.plays[-1]['tasks'][-1]['hosts'][result._host.get_name()] = r

    def v2_runner_on_ok(self, result, **kwargs):
        self._result(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, failed=True)

    def v2_runner_on_skipped(self, result):
        self._result(result, skipped=True)

    def v2_runner_on_unreachable(self, result):
        self._result(result, unreachable=True)

    def v2_playbook_on_stats(self, stats):
        out = {}
        for h in sorted(stats.processed.keys()):
            s = stats.summarize(h)
            out[h] = s
        self._display.display(json.dumps({'plays': self.plays, 'stats': out}, default=str))
