;; LZ4 block decoder (lz4/doc/lz4_Block_format.md) for blosc.ts: the same checks as the JS
;; `lz4DecodeBlock`, with 8/16-byte copies the JS version cannot do. Compiled by
;; test/codecs/build-lz4-wasm.mjs into lz4-wasm.ts (a test checks the two agree).
;;
;; lz4(s, send, d, dend) decodes src[s, send) into dst[d, dend) (both in this memory) and returns
;; the end of the output, or a negative error: -1 truncated literal length, -2 literals beyond the
;; block, -3 truncated match offset, -4 truncated match length, -5 match offset outside the block,
;; -6 match beyond the block. The caller leaves 16 readable bytes after `send` (literal copies
;; read ahead); nothing is written at or past `dend`.
(module
  (memory (export "memory") 1)
  (func (export "lz4") (param $s i32) (param $send i32) (param $d i32) (param $dend i32) (result i32)
    (local $dstart i32) (local $token i32) (local $lit i32) (local $b i32) (local $off i32)
    (local $ml i32) (local $m i32) (local $end i32) (local $p i64)
    (local.set $dstart (local.get $d))
    (block $done
      (loop $seq
        (br_if $done (i32.ge_u (local.get $s) (local.get $send)))
        (local.set $token (i32.load8_u (local.get $s)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        ;; literal length
        (local.set $lit (i32.shr_u (local.get $token) (i32.const 4)))
        (if (i32.eq (local.get $lit) (i32.const 15))
          (then
            (loop $more
              (if (i32.ge_u (local.get $s) (local.get $send)) (then (return (i32.const -1))))
              (local.set $b (i32.load8_u (local.get $s)))
              (local.set $s (i32.add (local.get $s) (i32.const 1)))
              (local.set $lit (i32.add (local.get $lit) (local.get $b)))
              (br_if $more (i32.eq (local.get $b) (i32.const 255))))))
        (if (local.get $lit)
          (then
            (if (i32.or
                  (i32.gt_u (local.get $lit) (i32.sub (local.get $send) (local.get $s)))
                  (i32.gt_u (local.get $lit) (i32.sub (local.get $dend) (local.get $d))))
              (then (return (i32.const -2))))
            (if (i32.and
                  (i32.le_u (local.get $lit) (i32.const 16))
                  (i32.le_u (i32.add (local.get $d) (i32.const 16)) (local.get $dend)))
              (then
                ;; short literals: one 16-byte copy (reads ahead of `send`, writes before `dend`)
                (i64.store (local.get $d) (i64.load (local.get $s)))
                (i64.store offset=8 (local.get $d) (i64.load offset=8 (local.get $s))))
              (else (memory.copy (local.get $d) (local.get $s) (local.get $lit))))
            (local.set $s (i32.add (local.get $s) (local.get $lit)))
            (local.set $d (i32.add (local.get $d) (local.get $lit)))))
        ;; the last sequence has literals only
        (br_if $done (i32.ge_u (local.get $s) (local.get $send)))
        (if (i32.gt_u (i32.add (local.get $s) (i32.const 2)) (local.get $send)) (then (return (i32.const -3))))
        (local.set $off (i32.load16_u (local.get $s)))
        (local.set $s (i32.add (local.get $s) (i32.const 2)))
        (local.set $ml (i32.and (local.get $token) (i32.const 15)))
        (if (i32.eq (local.get $ml) (i32.const 15))
          (then
            (loop $more
              (if (i32.ge_u (local.get $s) (local.get $send)) (then (return (i32.const -4))))
              (local.set $b (i32.load8_u (local.get $s)))
              (local.set $s (i32.add (local.get $s) (i32.const 1)))
              (local.set $ml (i32.add (local.get $ml) (local.get $b)))
              (br_if $more (i32.eq (local.get $b) (i32.const 255))))))
        (local.set $ml (i32.add (local.get $ml) (i32.const 4)))
        (if (i32.or (i32.eqz (local.get $off)) (i32.gt_u (local.get $off) (i32.sub (local.get $d) (local.get $dstart))))
          (then (return (i32.const -5))))
        (if (i32.gt_u (local.get $ml) (i32.sub (local.get $dend) (local.get $d))) (then (return (i32.const -6))))
        (local.set $m (i32.sub (local.get $d) (local.get $off)))
        (local.set $end (i32.add (local.get $d) (local.get $ml)))
        (block $copied
          ;; 8-byte steps while a whole step fits before dend: every step reads bytes already written
          ;; when the offset is ≥ 8; offsets 1, 2 and 4 repeat a pattern that fills 8 bytes exactly
          (if (i32.le_u (i32.add (local.get $end) (i32.const 8)) (local.get $dend))
            (then
              (if (i32.ge_u (local.get $off) (i32.const 8))
                (then
                  (loop $copy
                    (i64.store (local.get $d) (i64.load (local.get $m)))
                    (local.set $d (i32.add (local.get $d) (i32.const 8)))
                    (local.set $m (i32.add (local.get $m) (i32.const 8)))
                    (br_if $copy (i32.lt_u (local.get $d) (local.get $end))))
                  (local.set $d (local.get $end))
                  (br $copied)))
              (local.set $p (i64.const 0))
              (if (i32.eq (local.get $off) (i32.const 2))
                (then (local.set $p (i64.mul (i64.load16_u (local.get $m)) (i64.const 0x0001000100010001)))))
              (if (i32.eq (local.get $off) (i32.const 1))
                (then (local.set $p (i64.mul (i64.load8_u (local.get $m)) (i64.const 0x0101010101010101)))))
              (if (i32.eq (local.get $off) (i32.const 4))
                (then (local.set $p (i64.mul (i64.load32_u (local.get $m)) (i64.const 0x0000000100000001)))))
              (if (i32.or (i32.or (i32.eq (local.get $off) (i32.const 1)) (i32.eq (local.get $off) (i32.const 2))) (i32.eq (local.get $off) (i32.const 4)))
                (then
                  (loop $fill
                    (i64.store (local.get $d) (local.get $p))
                    (local.set $d (i32.add (local.get $d) (i32.const 8)))
                    (br_if $fill (i32.lt_u (local.get $d) (local.get $end))))
                  (local.set $d (local.get $end))
                  (br $copied)))))
          ;; otherwise byte by byte: an overlapping match repeats the last `off` bytes
          (loop $bytes
            (i32.store8 (local.get $d) (i32.load8_u (local.get $m)))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br_if $bytes (i32.lt_u (local.get $d) (local.get $end)))))
        (br $seq)))
    (local.get $d)))
