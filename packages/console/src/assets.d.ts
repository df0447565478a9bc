// What esbuild makes of the files the console imports besides code: the stylesheet is bundled,
// an image becomes its URL.
declare module "*.css";
declare module "*.svg" {
  const url: string;
  export default url;
}
