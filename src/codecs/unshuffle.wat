;; Blosc's byte unshuffle for 2- and 4-byte elements with 128-bit SIMD, for blosc.ts: the streams
;; (byte k of every element) lie back to back from `src`, `n` bytes each; the elements go to `dst`.
;; Compiled by test/codecs/build-lz4-wasm.mjs into unshuffle-wasm.ts (a test checks they agree).
;; A separate module from lz4.wat, so a runtime without SIMD still gets the LZ4 decoder.
(module
  (memory (import "env" "memory") 1)
  (func (export "unshuffle2") (param $src i32) (param $n i32) (param $dst i32)
    (local $i i32) (local $a v128) (local $b v128) (local $hi i32)
    (local.set $hi (i32.add (local.get $src) (local.get $n)))
    (block $tail
      (loop $simd
        (br_if $tail (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
        (local.set $a (v128.load (i32.add (local.get $src) (local.get $i))))
        (local.set $b (v128.load (i32.add (local.get $hi) (local.get $i))))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1)))
          (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $a) (local.get $b)))
        (v128.store offset=16 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1)))
          (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $a) (local.get $b)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $simd)))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store16 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1)))
          (i32.or
            (i32.load8_u (i32.add (local.get $src) (local.get $i)))
            (i32.shl (i32.load8_u (i32.add (local.get $hi) (local.get $i))) (i32.const 8))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $byte))))
  (func (export "unshuffle4") (param $src i32) (param $n i32) (param $dst i32)
    (local $i i32) (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $ab v128) (local $cd v128) (local $o i32)
    (local $s1 i32) (local $s2 i32) (local $s3 i32)
    (local.set $s1 (i32.add (local.get $src) (local.get $n)))
    (local.set $s2 (i32.add (local.get $s1) (local.get $n)))
    (local.set $s3 (i32.add (local.get $s2) (local.get $n)))
    (block $tail
      (loop $simd
        (br_if $tail (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
        (local.set $a (v128.load (i32.add (local.get $src) (local.get $i))))
        (local.set $b (v128.load (i32.add (local.get $s1) (local.get $i))))
        (local.set $c (v128.load (i32.add (local.get $s2) (local.get $i))))
        (local.set $d (v128.load (i32.add (local.get $s3) (local.get $i))))
        (local.set $o (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))))
        ;; elements 0–7: byte pairs (a,b) and (c,d), then the pairs interleaved
        (local.set $ab (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $a) (local.get $b)))
        (local.set $cd (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $c) (local.get $d)))
        (v128.store (local.get $o) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $ab) (local.get $cd)))
        (v128.store offset=16 (local.get $o) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $ab) (local.get $cd)))
        ;; elements 8–15
        (local.set $ab (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $a) (local.get $b)))
        (local.set $cd (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $c) (local.get $d)))
        (v128.store offset=32 (local.get $o) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $ab) (local.get $cd)))
        (v128.store offset=48 (local.get $o) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $ab) (local.get $cd)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $simd)))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
          (i32.or
            (i32.or
              (i32.load8_u (i32.add (local.get $src) (local.get $i)))
              (i32.shl (i32.load8_u (i32.add (local.get $s1) (local.get $i))) (i32.const 8)))
            (i32.or
              (i32.shl (i32.load8_u (i32.add (local.get $s2) (local.get $i))) (i32.const 16))
              (i32.shl (i32.load8_u (i32.add (local.get $s3) (local.get $i))) (i32.const 24)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $byte)))))
