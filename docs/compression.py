# Measures what gzip saves on a polling answer and on SSE frames (see docs/presence.md#compression).
# Run the demo server first: java ... io.socketserve.demo.DemoServer --port 8099
import json, urllib.request, zlib, gzip, random, string
B='http://127.0.0.1:8099/socket'
def post(path, body, headers={}):
    req=urllib.request.Request(B+path, data=json.dumps(body).encode(), headers={'Content-Type':'application/json',**headers})
    return json.loads(urllib.request.urlopen(req).read())
c=post('/connect',{})
cred=c.get('sessionId') or c.get('credential')
post('/message',{'sessionId':cred,'event':'joinChannel','data':{'channelName':'general'}})
random.seed(1)
words=['hello','the','build','is','green','again','did','you','see','latency','numbers','room','deploy','lunch','at','noon','ok','thanks','redis','instance']
for i in range(95):
    msg=' '.join(random.choice(words) for _ in range(12))[:80]
    post('/message',{'sessionId':cred,'event':'sendMessage','data':{'channel':'general','message':msg}})
def poll(gz):
    h={'Accept-Encoding':'gzip'} if gz else {}
    req=urllib.request.Request(B+'/sse?transport=polling&after=0&sessionId='+cred, headers=h)
    r=urllib.request.urlopen(req)
    return r.read(), r.headers.get('Content-Encoding')
plain,_=poll(False)
comp,enc=poll(True)
print('poll answer: %d messages, %d bytes plain, %d bytes gzip (%s) = %.1f%% of plain' % (len(json.loads(plain)['messages']), len(plain), len(comp), enc, 100.0*len(comp)/len(plain)))
# SSE: the same messages as SSE frames, deflated as one stream flushed after every frame (what a compressed stream must do)
msgs=json.loads(plain)['messages']
frames=[('id: %d\ndata: %s\n\n' % (i+1, json.dumps(m,separators=(',',':')))).encode() for i,m in enumerate(msgs)]
raw=sum(len(f) for f in frames)
d=zlib.compressobj(6, zlib.DEFLATED, 31)
out=0
for f in frames:
    out+=len(d.compress(f))+len(d.flush(zlib.Z_SYNC_FLUSH))
print('SSE frames: %d frames, %d bytes, mean %.0f B/frame; gzip flushed per frame: %d bytes = %.1f%% of plain' % (len(frames), raw, raw/len(frames), out, 100.0*out/raw))
# one frame alone per connection (worst case: idle stream, first message)
d=zlib.compressobj(6, zlib.DEFLATED, 31); first=len(d.compress(frames[0]))+len(d.flush(zlib.Z_SYNC_FLUSH))
print('first frame alone: %d -> %d bytes' % (len(frames[0]), first))
import time
for wbits, mem in ((15,8),(12,4),(9,1)):
    d=zlib.compressobj(6, zlib.DEFLATED, 16+wbits, mem); out=0
    t=time.perf_counter()
    for f in frames:
        out+=len(d.compress(f))+len(d.flush(zlib.Z_SYNC_FLUSH))
    dt=(time.perf_counter()-t)/len(frames)*1e6
    state=(1<<(wbits+2))+(1<<(mem+9))
    print('window 2^%d memLevel %d: %.1f%% of plain, deflate state ~%d KiB/connection, %.1f us/frame/connection' % (wbits, mem, 100.0*out/raw, state//1024, dt))
