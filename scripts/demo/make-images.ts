#!/usr/bin/env node
/**
 * Regenerates the pictures and the PDF of the demo school (content/demo/students/<handle>/artifacts/<slug>/).
 * Everything is drawn here, from SVG rendered by sharp, so the demo holds no downloaded or copyrighted images and
 * needs no fonts (the pictures have no text; the PDF uses the standard Helvetica every PDF reader has).
 * Output is deterministic (seeded randomness), so running it again changes nothing.
 *
 *   node scripts/demo/make-images.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const root = path.resolve(import.meta.dirname, '..', '..', 'content', 'demo', 'students');

/** A small seeded random generator (mulberry32), so every run draws the same pictures. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const svg = (w: number, h: number, body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${body}</svg>`;

const n = (x: number) => Math.round(x * 10) / 10;

function fog(seed: number, sky: [string, string], shapes: 'layers' | 'sun' | 'boats'): string {
  const r = random(seed);
  const w = 1200;
  const h = 800;
  let body = `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky[0]}"/><stop offset="1" stop-color="${sky[1]}"/></linearGradient>
    <filter id="blur" x="-20%" y="-20%" width="140%" height="140%"><feGaussianBlur stdDeviation="28"/></filter>
    <filter id="soft"><feGaussianBlur stdDeviation="6"/></filter></defs>
    <rect width="${w}" height="${h}" fill="url(#sky)"/>`;
  if (shapes === 'sun') body += `<circle cx="760" cy="300" r="90" fill="#f4efe2" opacity="0.85" filter="url(#soft)"/>`;
  if (shapes === 'boats') {
    for (let i = 0; i < 4; i++) {
      const x = 150 + i * 260 + r() * 60;
      const y = 520 + r() * 40;
      const o = 0.25 + i * 0.15;
      body += `<path d="M${n(x)} ${n(y)} h${n(140 + r() * 40)} l-30 40 h-90 z" fill="#2d3a44" opacity="${n(o)}" filter="url(#soft)"/>`;
      body += `<rect x="${n(x + 60)}" y="${n(y - 150)}" width="6" height="150" fill="#2d3a44" opacity="${n(o)}"/>`;
    }
  }
  for (let i = 0; i < 9; i++) {
    const y = 380 + i * 50 + r() * 30;
    body += `<ellipse cx="${n(r() * w)}" cy="${n(y)}" rx="${n(400 + r() * 300)}" ry="${n(40 + r() * 40)}" fill="#ffffff" opacity="${n(0.18 + r() * 0.2)}" filter="url(#blur)"/>`;
  }
  body += `<rect y="600" width="${w}" height="200" fill="#5d6f7a" opacity="0.35"/>`;
  return svg(w, h, body);
}

function busWindow(seed: number): string {
  const r = random(seed);
  const w = 1200;
  const h = 800;
  let body = `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1f2a3a"/><stop offset="1" stop-color="#3b4d61"/></linearGradient>
    <filter id="blur" x="-100%" y="-100%" width="300%" height="300%"><feGaussianBlur stdDeviation="18"/></filter></defs><rect width="${w}" height="${h}" fill="url(#g)"/>`;
  const lights = ['#ffcf6e', '#ff7a59', '#9be7ff', '#ffe9b0'];
  for (let i = 0; i < 26; i++) {
    body += `<circle cx="${n(r() * w)}" cy="${n(380 + r() * 300)}" r="${n(20 + r() * 45)}" fill="${lights[i % 4]}" opacity="${n(0.35 + r() * 0.4)}" filter="url(#blur)"/>`;
  }
  for (let i = 0; i < 140; i++) {
    const x = r() * w;
    const y = r() * h;
    const rr = 2 + r() * 7;
    body += `<ellipse cx="${n(x)}" cy="${n(y)}" rx="${n(rr)}" ry="${n(rr * 1.3)}" fill="#dfe9f3" opacity="${n(0.25 + r() * 0.35)}"/>`;
  }
  body += `<rect x="0" y="0" width="${w}" height="40" fill="#11161d"/><rect x="0" y="760" width="${w}" height="40" fill="#11161d"/>`;
  return svg(w, h, body);
}

function chapbookCover(): string {
  const bands = ['#c9d3db', '#aebcc8', '#93a6b5', '#7a8fa0', '#62798b', '#4c6376'];
  let body = '';
  bands.forEach((c, i) => (body += `<rect y="${i * 150}" width="600" height="150" fill="${c}"/>`));
  body += `<circle cx="430" cy="210" r="60" fill="#f2efe6" opacity="0.9"/><rect x="60" y="700" width="480" height="4" fill="#f2efe6"/>`;
  return svg(600, 900, body);
}

function robotDiagram(): string {
  const s = '#22313f';
  return svg(
    960,
    640,
    `<rect width="960" height="640" fill="#f6f8fa"/>
    <g stroke="#d5dde5" stroke-width="1">${Array.from({ length: 24 }, (_, i) => `<line x1="${i * 40}" y1="0" x2="${i * 40}" y2="640"/>`).join('')}${Array.from({ length: 16 }, (_, i) => `<line x1="0" y1="${i * 40}" x2="960" y2="${i * 40}"/>`).join('')}</g>
    <rect x="330" y="170" width="300" height="330" rx="30" fill="#4f83cc" stroke="${s}" stroke-width="6"/>
    <rect x="270" y="330" width="60" height="130" rx="12" fill="#333" stroke="${s}" stroke-width="4"/>
    <rect x="630" y="330" width="60" height="130" rx="12" fill="#333" stroke="${s}" stroke-width="4"/>
    <circle cx="480" cy="470" r="18" fill="#999" stroke="${s}" stroke-width="4"/>
    <rect x="400" y="230" width="160" height="80" rx="6" fill="#2e7d32" stroke="${s}" stroke-width="4"/>
    <circle cx="420" cy="160" r="22" fill="#e53935" stroke="${s}" stroke-width="4"/>
    <circle cx="540" cy="160" r="22" fill="#e53935" stroke="${s}" stroke-width="4"/>
    <path d="M420 138 L400 60 M540 138 L560 60" stroke="#e53935" stroke-width="4" stroke-dasharray="10 8"/>
    <rect x="455" y="0" width="50" height="120" fill="#111"/>`,
  );
}

function track(seed: number): string {
  const r = random(seed);
  let body = `<rect width="1200" height="800" fill="#ecebe6"/>`;
  for (let i = 0; i < 400; i++) body += `<circle cx="${n(r() * 1200)}" cy="${n(r() * 800)}" r="${n(1 + r() * 2)}" fill="#d6d4cc"/>`;
  body += `<path d="M200 600 C 150 300, 400 120, 650 180 S 1050 150, 1000 400 L 760 460 L 980 640 C 800 720, 300 720, 200 600 Z" fill="none" stroke="#151515" stroke-width="38" stroke-linejoin="round"/>`;
  return svg(1200, 800, body);
}

function circuit(seed: number, motors: boolean): string {
  const r = random(seed);
  const line = '#0d47a1';
  let body = `<rect width="960" height="640" fill="#fdfcf7"/>`;
  for (let i = 0; i < 30; i++) body += `<line x1="0" y1="${i * 22}" x2="960" y2="${i * 22}" stroke="#cfe3f7" stroke-width="1"/>`;
  body += `<rect x="380" y="220" width="200" height="200" rx="8" fill="#fff" stroke="${line}" stroke-width="5"/>`;
  for (let i = 0; i < 6; i++) {
    body += `<line x1="380" y1="${250 + i * 30}" x2="350" y2="${250 + i * 30}" stroke="${line}" stroke-width="4"/>`;
    body += `<line x1="580" y1="${250 + i * 30}" x2="610" y2="${250 + i * 30}" stroke="${line}" stroke-width="4"/>`;
  }
  if (motors) {
    body += `<circle cx="170" cy="320" r="70" fill="none" stroke="${line}" stroke-width="5"/><circle cx="790" cy="320" r="70" fill="none" stroke="${line}" stroke-width="5"/>`;
    body += `<path d="M240 320 H350 M610 320 H720" stroke="${line}" stroke-width="4"/>`;
    body += `<rect x="420" y="500" width="120" height="60" fill="none" stroke="#c62828" stroke-width="5"/><path d="M480 500 V420" stroke="#c62828" stroke-width="4"/>`;
  } else {
    body += `<circle cx="160" cy="150" r="45" fill="none" stroke="${line}" stroke-width="5"/><circle cx="160" cy="490" r="45" fill="none" stroke="${line}" stroke-width="5"/>`;
    body += `<path d="M205 150 H300 V250 H350 M205 490 H300 V400 H350" fill="none" stroke="${line}" stroke-width="4"/>`;
  }
  for (let i = 0; i < 12; i++) body += `<circle cx="${n(620 + r() * 300)}" cy="${n(60 + r() * 120)}" r="3" fill="${line}"/>`;
  return svg(960, 640, body);
}

function barChart(values: number[], colors: [string, string], max: number): string {
  const w = 960;
  const h = 600;
  const left = 80;
  const bottom = 540;
  const bw = (w - left - 60) / values.length;
  let body = `<rect width="${w}" height="${h}" fill="#ffffff"/>`;
  for (let i = 0; i <= 5; i++) {
    const y = bottom - (i * (bottom - 60)) / 5;
    body += `<line x1="${left}" y1="${n(y)}" x2="${w - 40}" y2="${n(y)}" stroke="#e3e6ea" stroke-width="2"/>`;
  }
  values.forEach((v, i) => {
    const bh = (v / max) * (bottom - 60);
    body += `<rect x="${n(left + i * bw + bw * 0.15)}" y="${n(bottom - bh)}" width="${n(bw * 0.7)}" height="${n(bh)}" rx="6" fill="${i % 2 ? colors[1] : colors[0]}"/>`;
  });
  body += `<line x1="${left}" y1="${bottom}" x2="${w - 40}" y2="${bottom}" stroke="#33414e" stroke-width="4"/><line x1="${left}" y1="50" x2="${left}" y2="${bottom}" stroke="#33414e" stroke-width="4"/>`;
  return svg(w, h, body);
}

function ink(seed: number, style: 'blooms' | 'rings' | 'stroke'): string {
  const r = random(seed);
  let body = `<defs><filter id="bleed" x="-30%" y="-30%" width="160%" height="160%"><feTurbulence type="fractalNoise" baseFrequency="0.012" numOctaves="3" seed="${seed % 100}"/><feDisplacementMap in="SourceGraphic" scale="60"/><feGaussianBlur stdDeviation="4"/></filter></defs>
    <rect width="1200" height="800" fill="#f5f1e8"/>`;
  if (style === 'blooms') {
    for (let i = 0; i < 7; i++) {
      body += `<circle cx="${n(150 + r() * 900)}" cy="${n(150 + r() * 500)}" r="${n(60 + r() * 140)}" fill="#27336b" opacity="${n(0.15 + r() * 0.35)}" filter="url(#bleed)"/>`;
    }
  } else if (style === 'rings') {
    for (let i = 0; i < 5; i++) {
      body += `<circle cx="${n(350 + i * 130)}" cy="${n(380 + (r() - 0.5) * 120)}" r="150" fill="none" stroke="#1d2552" stroke-width="${n(18 + r() * 20)}" opacity="0.55" filter="url(#bleed)"/>`;
    }
  } else {
    for (let i = 0; i < 10; i++) {
      body += `<path d="M${140 + i * 10} ${420 + i * 6} C 400 ${n(200 + r() * 60)}, 800 ${n(600 - r() * 60)}, ${1060 - i * 8} ${360 + i * 4}" fill="none" stroke="#1d2552" stroke-width="${40 - i * 3.5}" stroke-linecap="round" opacity="${n(0.75 - i * 0.06)}" filter="url(#bleed)"/>`;
    }
  }
  return svg(1200, 800, body);
}

function silkRoadMap(seed: number): string {
  const r = random(seed);
  let body = `<defs><filter id="paper"><feTurbulence type="fractalNoise" baseFrequency="0.8" numOctaves="2" seed="3"/><feColorMatrix type="saturate" values="0"/><feBlend in="SourceGraphic" mode="multiply"/></filter></defs>
    <rect width="1200" height="700" fill="#e9d9b4"/>
    <path d="M0 560 C 200 520, 260 640, 420 700 L0 700 Z" fill="#9cc3d5"/>
    <path d="M1200 0 L1200 260 C 1120 240, 1080 120, 980 0 Z" fill="#9cc3d5"/>
    <ellipse cx="300" cy="330" rx="70" ry="40" fill="#9cc3d5"/>`;
  for (let i = 0; i < 26; i++) {
    const x = 380 + r() * 500;
    const y = 120 + r() * 200;
    const s = 20 + r() * 30;
    body += `<path d="M${n(x - s)} ${n(y + s)} L${n(x)} ${n(y - s)} L${n(x + s)} ${n(y + s)} Z" fill="#8d6e63" opacity="0.8"/>`;
  }
  const cities = [
    [1080, 420],
    [930, 380],
    [780, 430],
    [640, 380],
    [500, 420],
    [360, 400],
    [200, 450],
    [90, 470],
  ];
  body += `<polyline points="${cities.map((c) => c.join(',')).join(' ')}" fill="none" stroke="#c9a227" stroke-width="10" stroke-linejoin="round" stroke-dasharray="26 10"/>`;
  for (const [x, y] of cities) body += `<circle cx="${x}" cy="${y}" r="13" fill="#7b1f1f" stroke="#f6ecd2" stroke-width="4"/>`;
  body += `<g transform="translate(1100 600)"><circle r="46" fill="none" stroke="#5d4037" stroke-width="4"/><path d="M0 -40 L10 0 L0 40 L-10 0 Z" fill="#5d4037"/></g>`;
  return svg(1200, 700, body);
}

function circlesPage(seed: number): string {
  const r = random(seed);
  let body = `<rect width="900" height="900" fill="#fffdf7"/>`;
  const circles: [number, number, number][] = [];
  for (let i = 0; i < 34; i++) circles.push([60 + r() * 780, 60 + r() * 780, 25 + r() * 55]);
  for (const [x, y, rr] of circles) body += `<circle cx="${n(x)}" cy="${n(y)}" r="${n(rr)}" fill="none" stroke="#3a3a3a" stroke-width="3" opacity="0.8"/>`;
  body += `<g transform="translate(450 450)"><circle r="90" fill="#ffe082" stroke="#3a3a3a" stroke-width="5"/><circle cx="-30" cy="-20" r="9" fill="#3a3a3a"/><circle cx="30" cy="-20" r="9" fill="#3a3a3a"/><path d="M-45 25 Q0 70 45 25" fill="none" stroke="#3a3a3a" stroke-width="6" stroke-linecap="round"/></g>`;
  return svg(900, 900, body);
}

/** A tiny, valid, one-page PDF 1.4 with text in standard Helvetica (no embedded fonts needed). */
export function chapbookPdf(): Buffer {
  const lines = [
    ['F2', 22, 'Small Weather'],
    ['F1', 13, 'a chapbook by Maya Lindqvist, Grade 10'],
    ['F1', 12, ''],
    ['F1', 12, 'I. Morning'],
    ['F1', 12, '   the kettle clicks off -'],
    ['F1', 12, '   a small weather of steam'],
    ['F1', 12, '   crosses the window'],
    ['F1', 12, ''],
    ['F1', 12, 'II. Afternoon'],
    ['F1', 12, '   Rain on the bus glass, a sentence nobody finishes.'],
    ['F1', 12, ''],
    ['F1', 12, 'III. Night'],
    ['F1', 12, '   The harbor keeps its lights on for the boats that are already home.'],
  ] as const;
  const escape = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  let y = 740;
  const content = lines
    .map(([font, size, text]) => {
      const op = `BT /${font} ${size} Tf 72 ${y} Td (${escape(text)}) Tj ET`;
      y -= size + 10;
      return op;
    })
    .join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
    '<< /Title (Small Weather) /Author (Maya Lindqvist) /Producer (Potluck demo generator) >>',
  ];
  let pdf = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(pdf, 'latin1'));
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) pdf += `${String(off).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 7 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

type Output = { file: string; svg: string; format: 'jpeg' | 'png' };

const outputs: Output[] = [
  { file: 'maya/artifacts/why-i-write-on-the-bus/bus-window.jpg', svg: busWindow(11), format: 'jpeg' },
  { file: 'maya/artifacts/small-weather-chapbook/cover.png', svg: chapbookCover(), format: 'png' },
  { file: 'maya/artifacts/fog-over-the-harbor/fog-1.jpg', svg: fog(21, ['#8fa3b3', '#d9e1e6'], 'layers'), format: 'jpeg' },
  { file: 'maya/artifacts/fog-over-the-harbor/fog-2.jpg', svg: fog(22, ['#b7c2c9', '#e6e9e8'], 'sun'), format: 'jpeg' },
  { file: 'maya/artifacts/fog-over-the-harbor/fog-3.jpg', svg: fog(23, ['#7d8e9b', '#c8d2d8'], 'boats'), format: 'jpeg' },
  { file: 'theo/artifacts/line-following-robot/robot-diagram.png', svg: robotDiagram(), format: 'png' },
  { file: 'theo/artifacts/line-following-robot/track.jpg', svg: track(31), format: 'jpeg' },
  { file: 'theo/artifacts/circuit-sketches/circuit-1.png', svg: circuit(41, false), format: 'png' },
  { file: 'theo/artifacts/circuit-sketches/circuit-2.png', svg: circuit(42, true), format: 'png' },
  {
    file: 'theo/artifacts/tiny-weather-station/chart.png',
    svg: barChart([14, 16, 21, 15, 13, 17, 18], ['#ef6c00', '#ffa726'], 25),
    format: 'png',
  },
  { file: 'priya/artifacts/ink-studies/ink-1.jpg', svg: ink(51, 'blooms'), format: 'jpeg' },
  { file: 'priya/artifacts/ink-studies/ink-2.jpg', svg: ink(52, 'rings'), format: 'jpeg' },
  { file: 'priya/artifacts/ink-studies/ink-3.jpg', svg: ink(53, 'stroke'), format: 'jpeg' },
  {
    file: 'priya/artifacts/should-school-start-later/sleep-chart.png',
    svg: barChart([27, 51, 33, 9], ['#5e35b1', '#9575cd'], 60),
    format: 'png',
  },
  { file: 'priya/artifacts/mapping-the-silk-road/silk-road-map.png', svg: silkRoadMap(61), format: 'png' },
  { file: 'priya/artifacts/sketchbook-prompts/prompt-example.png', svg: circlesPage(71), format: 'png' },
];

/** Renders every picture and the PDF; prints each file with its size. */
export async function makeDemoImages(dir = root): Promise<string[]> {
  const written: string[] = [];
  for (const out of outputs) {
    const target = path.join(dir, out.file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const image = sharp(Buffer.from(out.svg));
    const bytes =
      out.format === 'jpeg'
        ? await image.jpeg({ quality: 72, mozjpeg: true }).toBuffer()
        : await image.png({ palette: true, quality: 80, compressionLevel: 9, effort: 10 }).toBuffer();
    fs.writeFileSync(target, bytes);
    written.push(`${out.file} (${Math.round(bytes.length / 1024)} KB)`);
  }
  const pdf = path.join(dir, 'maya/artifacts/small-weather-chapbook/small-weather.pdf');
  fs.writeFileSync(pdf, chapbookPdf());
  written.push(`maya/artifacts/small-weather-chapbook/small-weather.pdf (${fs.statSync(pdf).size} bytes)`);
  return written;
}

if (import.meta.main) {
  for (const line of await makeDemoImages()) console.log(line);
}
