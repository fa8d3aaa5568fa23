import sharp from 'sharp';
const noise = Buffer.alloc(1200*800*3); for (let i=0;i<noise.length;i++) noise[i]=Math.random()*255|0;
const jpg = await sharp(noise,{raw:{width:1200,height:800,channels:3}}).jpeg().withExif({IFD0:{Copyright:'x'}, IFD3: {GPSLatitudeRef:'N', GPSLatitude:'51/1 30/1 0/1'}}).toBuffer();
const m = await sharp(jpg).metadata(); console.log('exif', !!m.exif, jpg.includes('GPS'), m.exif?.length);
const trunc = jpg.subarray(0, jpg.length/2|0);
for (const f of ['none','truncated','error','warning']) {
  try { const out = await sharp(trunc,{failOn:f}).rotate().webp().toBuffer(); console.log(f,'ok',out.length); } catch(e) { console.log(f,'ERR',e.message); }
}
for (const f of ['truncated','error','warning']) {
  try { const out = await sharp(trunc,{failOn:f}).resize(480).webp().toBuffer(); console.log('resize',f,'ok',out.length); } catch(e) { console.log('resize',f,'ERR',e.message); }
}
const png = await sharp(noise,{raw:{width:1200,height:800,channels:3}}).png().toBuffer();
try { await sharp(png.subarray(0, png.length-5000),{failOn:'error'}).webp().toBuffer(); console.log('png trunc ok') } catch(e) { console.log('png', e.message) }
console.log(typeof sharp.prototype.keepIccProfile, typeof sharp.prototype.withExif);
