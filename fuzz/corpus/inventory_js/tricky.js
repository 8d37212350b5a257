const { pipeline } = require("@xenova/transformers");
const re = /['"]/g, half = 1 / 2, q = 'x'.replace(/'/g, "\"");
const tpl = `outer ${`inner ${"Xenova/not-a-call"}`} done`;
/* multi-line comment
   await pipeline('ner', 'Xenova/block-commented')
*/
const nested = await pipeline("ner", `Xenova/${"nested-template"}`);
const a = half > 0 ? await pipeline("ner", 'Xenova/ternary-a') : null;
label: for (const m of ["Xenova/loop-a", "Xenova/loop-b"]) { await pipeline("ner", m); }
