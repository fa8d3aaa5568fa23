import { processImage } from './src/server/media/images.ts';
import { sniff } from './src/server/media/sniff.ts';
import * as g from './tests/fixtures/media/generate.ts';
import sharp from 'sharp';
const j = await g.jpegWithGps();
console.log(sniff(j));
let t = Date.now();
const r = await processImage(j, 'image/jpeg');
console.log(Date.now()-t, r.width, r.height, r.variants.map(v=>[v.width,v.height,v.data.length]), r.original.includes('GPS'));
const m = await sharp(r.original).metadata(); console.log(m.exif, m.xmp, m.iptc, m.orientation, m.width, m.height);
t = Date.now();
try { await processImage(await g.bombPng(), 'image/png') } catch(e) { console.log('bomb', e.code, e.message, Date.now()-t) }
try { await processImage(await g.truncatedJpeg(), 'image/jpeg') } catch(e) { console.log('trunc', e.code, e.message) }
const gif = await g.animatedGif(); const rg = await processImage(gif, 'image/gif');
console.log('gif', rg.width, rg.height, rg.frames, rg.variants.map(v=>[v.width,v.height]), (await sharp(rg.variants[0].data).metadata()).pages, (await sharp(rg.original).metadata()).pages);
for (const f of ['png','webp','avif'] as const) { const b = await g.picture(2000,1500,f); t=Date.now(); const r2 = await processImage(b, sniff(b).mime); console.log(f, Date.now()-t, r2.variants.map(v=>v.width), r2.original.length); }
for (const b of [await g.docx(), await g.odt(), await g.plainZip(), g.wav(), g.mp4Start(), g.mp4Start('M4A '), g.heicStart(), g.fixture('x.jpg'), g.fixture('drawing.svg'), g.fixture('tiny.pdf'), g.fixture('scores.csv')]) console.log(sniff(b));
