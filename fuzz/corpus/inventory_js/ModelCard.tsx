import React from "react";

type Props = { name: string };

export default function ModelCard({ name }: Props) {
  return (
    <div className="card">
      <h2>{name}</h2>
      <p>Don't forget: we run pipeline('ner', 'Xenova/prose-in-jsx') locally.</p>
    </div>
  );
}
