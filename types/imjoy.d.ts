declare module 'imjoy-core' {
  export const ImJoy: any;
  const core: any;
  export default core;
}
declare module 'reveal.js' {
  const Reveal: any;
  export default Reveal;
}
declare module 'reveal.js/plugin/markdown' {
  const Markdown: any;
  export default Markdown;
}
