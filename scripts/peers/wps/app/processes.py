"""The peer WPS's process set: small, deterministic PyWPS processes for Twitcher's interop tests.

  hello        LiteralInput 'name' (string) -> LiteralOutput 'output' = "Hello <name>"
  sleep        LiteralInput 'delay' (float seconds, default 1, capped at 3600) -> LiteralOutput
               'output'; reports progress 5 times, meant for async (storeExecuteResponse+status)
  echo         ComplexInput 'input' (text/plain | application/json | application/xml) ->
               ComplexOutput 'output' with the same mime type and the same bytes; ask for it
               asReference to get it as a stored file under /outputs/
  wordcounter  ComplexInput 'text' passed by reference (the SERVER fetches the URL) ->
               LiteralOutput 'count' (words) and ComplexOutput 'output' (JSON statistics)
  canary       only when WPS_CANARY_LOG names a file: LiteralInput 'tag' (optional) ->
               LiteralOutput 'output' = "canary <tag>"; every execution first appends one JSON
               line {"tag", "header", "pid"} to that file, so a test can tell whether (and which
               of its requests) made the server execute a protected operation
"""
import json
import os
import time

from pywps import ComplexInput, ComplexOutput, Format, LiteralInput, LiteralOutput, Process
from pywps.app.Common import Metadata

TEXT = Format('text/plain', extension='.txt')
JSON = Format('application/json', extension='.json')
XML = Format('application/xml', extension='.xml')
FORMATS = (TEXT, JSON, XML)


class Hello(Process):
    def __init__(self):
        super().__init__(
            self._handler,
            identifier='hello',
            title='Say Hello',
            abstract='Returns "Hello " followed by the given name.',
            version='1.0',
            inputs=[LiteralInput('name', 'Your name', data_type='string',
                                 abstract='The name to greet.')],
            outputs=[LiteralOutput('output', 'Greeting', data_type='string')],
            metadata=[Metadata('Twitcher peer test process')],
            store_supported=True,
            status_supported=True,
        )

    @staticmethod
    def _handler(request, response):
        response.outputs['output'].data = 'Hello ' + request.inputs['name'][0].data
        response.outputs['output'].uom = None
        return response


class Sleep(Process):
    STEPS = 5

    def __init__(self):
        super().__init__(
            self._handler,
            identifier='sleep',
            title='Sleep',
            abstract='Sleeps for "delay" seconds, updating its status document on the way. '
                     'Run it asynchronously (storeExecuteResponse=true status=true).',
            version='1.0',
            inputs=[LiteralInput('delay', 'Delay in seconds', data_type='float',
                                 default=1.0, min_occurs=0)],
            outputs=[LiteralOutput('output', 'Result', data_type='string')],
            store_supported=True,
            status_supported=True,
        )

    @classmethod
    def _handler(cls, request, response):
        delay = float(request.inputs['delay'][0].data) if 'delay' in request.inputs else 1.0
        delay = max(0.0, min(delay, 3600.0))
        for i in range(cls.STEPS):
            response.update_status('Sleeping {:.2f}s ({}/{})'.format(delay, i + 1, cls.STEPS),
                                   int(100 * i / cls.STEPS))
            time.sleep(delay / cls.STEPS)
        response.outputs['output'].data = 'done sleeping {:.3f}s'.format(delay)
        return response


class Echo(Process):
    def __init__(self):
        super().__init__(
            self._handler,
            identifier='echo',
            title='Echo',
            abstract='Returns the complex input unchanged, with the same mime type. Any size up to '
                     'the server\'s maxsingleinputsize.',
            version='1.0',
            inputs=[ComplexInput('input', 'Payload', supported_formats=list(FORMATS), max_occurs=1)],
            outputs=[ComplexOutput('output', 'Echoed payload', supported_formats=list(FORMATS),
                                   as_reference=False)],
            store_supported=True,
            status_supported=True,
        )

    @staticmethod
    def _handler(request, response):
        inp = request.inputs['input'][0]
        out = response.outputs['output']
        mime = inp.data_format.mime_type if inp.data_format else TEXT.mime_type
        out.data_format = next((f for f in FORMATS if f.mime_type == mime), TEXT)
        out.data = inp.data
        return response


class WordCounter(Process):
    def __init__(self):
        super().__init__(
            self._handler,
            identifier='wordcounter',
            title='Word Counter',
            abstract='Counts the words of a text document given by reference (the server fetches '
                     'the URL).',
            version='1.0',
            inputs=[ComplexInput('text', 'Text document', supported_formats=list(FORMATS),
                                 abstract='Pass a URL with xlink:href.')],
            outputs=[LiteralOutput('count', 'Number of words', data_type='integer'),
                     ComplexOutput('output', 'Statistics', supported_formats=[JSON])],
            store_supported=True,
            status_supported=True,
        )

    @staticmethod
    def _handler(request, response):
        inp = request.inputs['text'][0]
        data = inp.data
        if isinstance(data, bytes):
            data = data.decode('utf-8', errors='replace')
        words = data.split()
        response.outputs['count'].data = len(words)
        response.outputs['output'].data = json.dumps({
            'words': len(words),
            'lines': data.count('\n'),
            'chars': len(data),
            'source': getattr(inp, 'url', None) or None,
        })
        return response


class Canary(Process):
    """Records every execution of itself: the oracle of the proxy's canary fuzz tests.

    A line is written before anything else can fail, with the literal input 'tag' (which the test
    puts in the body or the query) and the X-Canary-Tag request header (which survives whatever
    the body's encoding did to the tag). One os.write() on an O_APPEND descriptor: concurrent
    executions (threads, or async job processes) never interleave their lines.
    """

    HEADER = 'X-Canary-Tag'

    def __init__(self, log_path):
        self.log_path = log_path
        super().__init__(
            self._handler,
            identifier='canary',
            title='Canary',
            abstract='Does nothing but record that it ran. Must never run without authorization.',
            version='1.0',
            inputs=[LiteralInput('tag', 'Tag', data_type='string', min_occurs=0)],
            outputs=[LiteralOutput('output', 'Result', data_type='string')],
            store_supported=True,
            status_supported=True,
        )

    def _handler(self, request, response):
        tag = str(request.inputs['tag'][0].data) if 'tag' in request.inputs else ''
        http_request = getattr(request, 'http_request', None)
        header = ''
        if http_request is not None and getattr(http_request, 'headers', None) is not None:
            header = http_request.headers.get(self.HEADER, '')
        line = json.dumps({'tag': tag, 'header': header, 'pid': os.getpid()}) + '\n'
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode('utf-8'))
        finally:
            os.close(fd)
        response.outputs['output'].data = 'canary ' + tag
        return response


def all_processes():
    processes = [Hello(), Sleep(), Echo(), WordCounter()]
    # Only on request: the default process list (which other tests compare) stays as it was.
    canary_log = os.environ.get('WPS_CANARY_LOG')
    if canary_log:
        processes.append(Canary(canary_log))
    return processes
