# Builds the Sluice server image: docker build -t sluice .
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
RUN mvn -B -ntp -DskipTests package

FROM eclipse-temurin:21-jre
RUN useradd --create-home sluice
WORKDIR /opt/sluice
COPY --from=build /src/orchestrator-server/target/sluice.jar /opt/sluice/sluice.jar
COPY --from=build /src/examples /opt/sluice/examples
ENV SLUICE_HOME=/var/lib/sluice SLUICE_DEFAULT_DAGS=/opt/sluice/examples/dags
RUN mkdir -p /var/lib/sluice && chown sluice /var/lib/sluice
USER sluice
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/opt/sluice/sluice.jar"]
CMD ["standalone", "--port", "8080"]
