"""kost's HTAP example: fresh changes from TiDB, through TiCDC and Kafka, next to TiDB's own view.

It reads the change topic (TiCDC's canal-json messages) with structured streaming, joins each
change with the size TiDB's statistics give its table (information_schema.tables, read over JDBC as
the read-only analytics user) and prints, every minute, how many rows of each table changed by kind.

Everything it needs comes from its environment and the files kost mounts (components/data/spark.go):
  KOST_KAFKA_BOOTSTRAP, KOST_CDC_TOPIC   the Kafka bootstrap service and the change topic
  KOST_TLS                               "true" in TLS environments (Kafka mTLS, TiDB over TLS)
  /opt/kost/kafka/{ca.crt,keystore.pem}  the Kafka client certificate of the spark KafkaUser (TLS)
  /opt/kost/tidb/{host,port,user,password}  the analytics user
  /opt/kost/truststore/tidb.p12          TiDB's CA as a PKCS #12 trust store (TLS; made by the pod's
                                         init container, with password KOST_TRUSTSTORE_PASSWORD)
"""
import os

from pyspark.sql import SparkSession, functions as F, types as T


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def main():
    tls = os.environ.get("KOST_TLS") == "true"
    spark = SparkSession.builder.appName("kost-htap").getOrCreate()

    kafka = {
        "kafka.bootstrap.servers": os.environ["KOST_KAFKA_BOOTSTRAP"],
        "subscribe": os.environ["KOST_CDC_TOPIC"],
        "startingOffsets": "earliest",
    }
    if tls:
        # Kafka's PEM stores (KIP-651): the CA the brokers' certificates chain to, and the client's
        # PKCS #8 key followed by its certificate.
        kafka.update({
            "kafka.security.protocol": "SSL",
            "kafka.ssl.truststore.type": "PEM",
            "kafka.ssl.truststore.location": "/opt/kost/kafka/ca.crt",
            "kafka.ssl.keystore.type": "PEM",
            "kafka.ssl.keystore.location": "/opt/kost/kafka/keystore.pem",
        })
    # The fields of TiCDC's canal-json messages this example uses.
    canal = T.StructType([
        T.StructField("database", T.StringType()),
        T.StructField("table", T.StringType()),
        T.StructField("type", T.StringType()),
        T.StructField("isDdl", T.BooleanType()),
        T.StructField("data", T.ArrayType(T.MapType(T.StringType(), T.StringType()))),
    ])
    changes = (
        spark.readStream.format("kafka").options(**kafka).load()
        .select(F.from_json(F.col("value").cast("string"), canal).alias("m"))
        .where(~F.col("m.isDdl"))
        .select(F.col("m.database").alias("db"), F.col("m.table").alias("tbl"), F.col("m.type").alias("kind"),
                F.size(F.col("m.data")).alias("rows"))
    )

    host, port = read("/opt/kost/tidb/host"), read("/opt/kost/tidb/port")
    url = f"jdbc:mysql://{host}:{port}/"
    if tls:
        url += ("?sslMode=VERIFY_CA&trustCertificateKeyStoreUrl=file:/opt/kost/truststore/tidb.p12"
                "&trustCertificateKeyStoreType=PKCS12&trustCertificateKeyStorePassword="
                + os.environ["KOST_TRUSTSTORE_PASSWORD"])
    tables = (
        spark.read.format("jdbc")
        .option("url", url)
        .option("driver", "com.mysql.cj.jdbc.Driver")
        .option("user", read("/opt/kost/tidb/user"))
        .option("password", read("/opt/kost/tidb/password"))
        .option("query", "SELECT table_schema AS db, table_name AS tbl, table_rows FROM information_schema.tables")
        .load()
    )

    (
        changes.join(tables, ["db", "tbl"], "left")
        .groupBy("db", "tbl", "kind", "table_rows").agg(F.sum("rows").alias("changed_rows"))
        .writeStream.outputMode("complete").format("console").option("truncate", "false")
        .trigger(processingTime="1 minute")
        .start()
        .awaitTermination()
    )


if __name__ == "__main__":
    main()
