import sharp from 'sharp';
const noise = Buffer.alloc(400*300*3); for (let i=0;i<noise.length;i++) noise[i]=Math.random()*255|0;
const jpg = await sharp(noise,{raw:{width:400,height:300,channels:3}}).jpeg().withExif({IFD0:{Copyright:'x', Orientation: '6'}, IFD3: {GPSLatitudeRef:'N', GPSLatitude:'51/1 30/1 0/1', GPSProcessingMethod: 'GPS'}}).withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.0N"/></rdf:RDF></x:xmpmeta>').toBuffer();
const m = await sharp(jpg).metadata(); console.log(m.orientation, !!m.exif, !!m.xmp, jpg.includes('GPS'), m.exif.includes(Buffer.from([0x88,0x25])), m.exif.includes(Buffer.from([0x25,0x88])));
console.log(m.exif.toString('latin1').replace(/[^\x20-\x7e]/g,'.'));
